"""The deflection dashboard in the Wagtail admin (support staff only): thin views over
tickets/analytics.py, with server-rendered SVG charts and CSV export of each table."""

import csv
from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from tickets import analytics
from tickets.permissions import is_support_staff

DEFAULT_PERIOD = "30"
PERIOD_CHOICES = [("7", _("Last 7 days")), ("30", _("Last 30 days")), ("90", _("Last 90 days")), ("custom", _("Custom"))]
# A custom period is a range of past days: its end can't be after today and it spans at most this
# many days (the queries group by day, and a far-future date would overflow date arithmetic).
MAX_CUSTOM_DAYS = 366 * 2
CSV_TABLES = ("summary", "weekly", "deflecting", "positions", "gaps", "helpfulness", "severity", "breaches")


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False, initial=DEFAULT_PERIOD)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All languages")), *settings.LANGUAGES]
    )

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            if not data.get("date_from") or not data.get("date_to"):
                raise forms.ValidationError(_("A custom period needs both a start and an end date."))
            if data["date_from"] > data["date_to"]:
                raise forms.ValidationError(_("The start date is after the end date."))
            if data["date_to"] > timezone.localdate():
                raise forms.ValidationError(_("The end date can't be in the future."))
            if (data["date_to"] - data["date_from"]).days >= MAX_CUSTOM_DAYS:
                raise forms.ValidationError(
                    _("A custom period can span at most %(days)d days.") % {"days": MAX_CUSTOM_DAYS}
                )
        return data

    def get_period(self, now: datetime) -> analytics.Period:
        data = self.cleaned_data if self.is_valid() else {}
        language = data.get("language") or ""
        if data.get("period") == "custom":
            tz = timezone.get_current_timezone()
            start = datetime.combine(data["date_from"], time.min, tzinfo=tz)
            end = datetime.combine(data["date_to"] + timedelta(days=1), time.min, tzinfo=tz)
            return analytics.Period(start, end, language)
        return analytics.last_days(int(data.get("period") or DEFAULT_PERIOD), language, now)


def bar_chart(items: list[tuple[str, float, str]], max_value: float | None = None, height: int = 160) -> dict:
    """Bars for an inline SVG: (label, value, value text) -> geometry the template draws."""
    width, gap, top, bottom = 48, 12, 18, 34
    peak = max_value if max_value is not None else max([value for _l, value, _t in items] or [0])
    plot = height - top - bottom
    bars = []
    for index, (label, value, text) in enumerate(items):
        h = round(plot * value / peak) if peak else 0
        x = gap + index * (width + gap)
        bars.append(
            {"label": label, "text": text, "x": x, "y": top + plot - h, "h": h, "w": width,
             "cx": x + width // 2, "label_y": height - bottom + 16, "text_y": top + plot - h - 4}
        )
    return {"bars": bars, "width": gap + len(items) * (width + gap), "height": height, "base_y": top + plot}


def _hours(value) -> str:
    return "" if value is None else f"{value:.1f}"


def _pct(value) -> str:
    return "" if value is None else f"{value:.0f}%"


class DeflectionDashboardView(WagtailAdminTemplateMixin, View):
    template_name = "tickets/admin/dashboard.html"
    page_title = _("Deflection dashboard")
    header_icon = "view"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_support_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        params = request.GET.copy()
        if params and not params.get("period"):
            params["period"] = DEFAULT_PERIOD  # the drop-down shows the period the figures cover
        form = DashboardFilterForm(params or None)
        period = (form.get_period(now) if (form.is_bound and form.is_valid())
                  else analytics.last_days(int(DEFAULT_PERIOD), "", now))
        data = self.compute(period, now)
        export = request.GET.get("export")
        if export in CSV_TABLES:
            return self.csv_response(export, data, period)
        weekly = data["weekly"]
        context = self.get_context_data(
            form=form,
            period=period,
            period_end_shown=period.end - timedelta(seconds=1),
            export_query=request.GET.urlencode(),
            csv_tables=CSV_TABLES,
            weekly_chart=bar_chart(
                [(w["week"].strftime("%d %b"), (w["rate"] or 0) * 100, _pct(w["rate"] * 100 if w["rate"] is not None else None)) for w in weekly],
                max_value=100,
            ),
            positions_chart=bar_chart(
                [(f"#{r['position']}", r["clicks"], str(r["clicks"])) for r in data["positions"]]
            ),
            severity_chart=bar_chart([(str(row["label"]), row["count"], str(row["count"])) for row in data["severity"]]),
            **data,
        )
        return self.render_to_response(context)

    @staticmethod
    def compute(period: analytics.Period, now: datetime) -> dict:
        return {
            "searches": analytics.search_counts(period),
            "deflection": analytics.deflection_summary(period),
            "weekly": analytics.weekly_deflection(period),
            "deflecting": analytics.top_deflecting(period),
            "positions": analytics.click_positions(period),
            "gaps": analytics.content_gaps(period),
            "helpfulness": analytics.article_helpfulness(period),
            "times": analytics.response_times(period, now),
            "severity": analytics.tickets_by_severity(period),
            "breaches": list(analytics.open_breaches(period.language, now)[:50]),
        }

    @staticmethod
    def csv_rows(table: str, data: dict) -> list[list]:
        if table == "summary":
            s, d, t = data["searches"], data["deflection"], data["times"]
            rows = [
                ["metric", "value"],
                ["searches", s["searches"]],
                ["zero_result_searches", s["zero_results"]],
                ["searches_with_results_no_click", s["no_click"]],
                ["deflection_sessions", d["sessions"]],
                ["deflected_sessions", d["deflected"]],
                ["deflection_rate_pct", _pct(d["rate"] * 100) if d["rate"] is not None else ""],
                ["tickets_opened_from_forms", d["tickets"]],
                ["topics_posted_from_forms", d["topics"]],
            ]
            for kind in ("first_response", "resolution"):
                stats = t[kind]
                rows += [
                    [f"{kind}_median_hours", _hours(stats["median_hours"])],
                    [f"{kind}_p90_hours", _hours(stats["p90_hours"])],
                    [f"{kind}_within_target_pct", _pct(stats["within_pct"])],
                ]
            rows.append(["open_breaches", len(data["breaches"])])
            return rows
        if table == "weekly":
            return [["week_starting", "sessions", "deflected", "rate_pct", "tickets", "topics"]] + [
                [w["week"].isoformat(), w["sessions"], w["deflected"], _pct(w["rate"] * 100) if w["rate"] is not None else "", w["tickets"], w["topics"]]
                for w in data["weekly"]
            ]
        if table == "deflecting":
            return [["doc_id", "kind", "title", "url", "deflected_sessions"]] + [
                [r["doc_id"], r["kind"], r["title"], r["url"], r["sessions"]] for r in data["deflecting"]
            ]
        if table == "positions":
            return [["position", "clicks", "share_pct"]] + [
                [r["position"], r["clicks"], _pct(r["share"] * 100)] for r in data["positions"]
            ]
        if table == "gaps":
            return [["language", "query", "searches", "no_results", "no_click", "tickets_followed", "topics_followed"]] + [
                [g["language"], g["query"], g["searches"], g["no_results"], g["no_click"], g["tickets"], g["topics"]]
                for g in data["gaps"]
            ]
        if table == "helpfulness":
            return [["article_id", "title", "language", "yes", "no", "helpful_pct"]] + [
                [r["article_id"], r["title"], r["language"], r["yes"], r["no"], _pct(r["ratio"] * 100)] for r in data["helpfulness"]
            ]
        if table == "severity":
            return [["severity", "tickets"]] + [[r["severity"], r["count"]] for r in data["severity"]]
        return [["reference", "subject", "severity", "status", "first_response_due", "resolution_due"]] + [
            [t.reference, t.subject, t.severity, t.status, t.first_response_due.isoformat(), t.resolution_due.isoformat()]
            for t in data["breaches"]
        ]

    def csv_response(self, table: str, data: dict, period: analytics.Period) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = f"deflection-{table}-{period.start:%Y%m%d}-{period.end:%Y%m%d}{'-' + period.language if period.language else ''}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        writer = csv.writer(response)
        for row in self.csv_rows(table, data):
            # A cell starting with = + - @ would run as a formula in a spreadsheet: queries are user input.
            writer.writerow(["'" + c if isinstance(c, str) and c[:1] in "=+-@" else c for c in row])
        return response

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": gettext("Deflection dashboard")}]

    def get_page_subtitle(self) -> str:
        return gettext("Searches, deflection and response times")
