"""Staff see readers' feedback in the Wagtail admin: per article (edit page tab), as a list, and
as the "Least helpful articles" report."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from kb.models import ArticleFeedback, ArticlePage
from kb.setup import ensure_staff_permissions
from tests.factories import PASSWORD
from tests.kb.factories import make_article


@pytest.fixture
def staff_client(staff, kb_indexes):
    ensure_staff_permissions()
    client = Client()
    client.login(username=staff.username, password=PASSWORD)
    return client


def leave_feedback(article, helpful, comment=""):
    client = Client()
    client.post(article.feedback_url(), {"helpful": "yes" if helpful else "no", "comment": comment})


def test_staff_read_comments_in_the_feedback_list(staff_client, article):
    leave_feedback(article, False, "The screenshot shows the old panel.")
    leave_feedback(article, True)
    response = staff_client.get(reverse("kb_feedback:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The screenshot shows the old panel." in html
    assert article.title in html
    # Filter by article, as linked from the edit page and the report.
    response = staff_client.get(reverse("kb_feedback:index") + f"?article={article.pk}&has_comment=true")
    assert "The screenshot shows the old panel." in response.content.decode()


def test_feedback_cannot_be_added_or_edited_by_staff(staff_client, article):
    leave_feedback(article, False, "original")
    feedback = ArticleFeedback.objects.get()
    assert staff_client.get(reverse("kb_feedback:add")).status_code in (302, 403)
    assert staff_client.get(reverse("kb_feedback:edit", args=[feedback.pk])).status_code in (302, 403)
    inspect = staff_client.get(reverse("kb_feedback:inspect", args=[feedback.pk]))
    assert inspect.status_code == 200 and "original" in inspect.content.decode()


def test_customers_cannot_see_feedback(client, customer, article):
    leave_feedback(article, False, "private remark")
    client.login(username=customer.username, password=PASSWORD)
    response = client.get(reverse("kb_feedback:index"))
    assert response.status_code in (302, 403)
    assert "private remark" not in response.content.decode()


def test_edit_page_has_a_feedback_tab(staff_client, article):
    leave_feedback(article, False, "Missing the Plesk steps.")
    leave_feedback(article, True)
    response = staff_client.get(reverse("wagtailadmin_pages:edit", args=[article.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Missing the Plesk steps." in html
    assert "Helpfulness: 50%" in html


@override_settings(KB_LEAST_HELPFUL_MIN_VOTES=2)
def test_least_helpful_report_orders_by_share_of_yes(staff_client, category):
    bad = make_article(category, "Mostly unhelpful", "bad")
    mixed = make_article(category, "Half helpful", "mixed")
    good = make_article(category, "All helpful", "good")
    few = make_article(category, "One vote only", "few")
    for article, votes in ((bad, [False, False, True]), (mixed, [True, False]), (good, [True, True]), (few, [False])):
        for helpful in votes:
            leave_feedback(article, helpful)
    response = staff_client.get(reverse("kb_least_helpful"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Mostly unhelpful") < html.index("Half helpful")
    assert "All helpful" not in html  # no "No" votes
    assert "One vote only" not in html  # below the minimum number of votes
    assert "33%" in html and "50%" in html
    assert ArticlePage.objects.get(pk=bad.pk).helpfulness() == (1, 2)


def test_reports_menu_lists_the_report(staff_client):
    html = staff_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("kb_least_helpful") in html or "Least helpful articles" in html
