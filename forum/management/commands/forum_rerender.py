"""Re-render stored forum content after a change to the renderer (helpcenter.markup).

machina keeps the rendered HTML of posts, signatures and forum descriptions next to the raw
Markdown (`_content_rendered` etc.). This command renders every row again and stores the result
where it changed, in batches, with progress.

It writes only the rendered column (queryset.update(), no save()): content, dates and counters
do not change, so no model signals fire. Run `search_reindex` afterwards if the search index
stores rendered HTML.
"""

from django.core.management.base import BaseCommand
from machina.core.db.models import get_model

from helpcenter.markup import render_markdown

TARGETS = (
    ("forum_conversation", "Post", "content"),
    ("forum_member", "ForumProfile", "signature"),
    ("forum", "Forum", "description"),
)


class Command(BaseCommand):
    help = "Re-render stored forum posts, signatures and forum descriptions with the current renderer."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args, batch_size=500, dry_run=False, **options):
        for app_label, model_name, field in TARGETS:
            model = get_model(app_label, model_name)
            rendered_field = f"_{field}_rendered"
            total = model.objects.count()
            changed = done = 0
            queryset = model.objects.order_by("pk").values_list("pk", field, rendered_field)
            for pk, raw, stored in queryset.iterator(chunk_size=batch_size):
                done += 1
                new = str(render_markdown(raw)) if raw is not None else None
                if new != stored:
                    changed += 1
                    if not dry_run:
                        model.objects.filter(pk=pk).update(**{rendered_field: new})
                if done % batch_size == 0:
                    self.stdout.write(f"forum_rerender: {model_name} {done}/{total} ...")
            verb = "would change" if dry_run else "changed"
            self.stdout.write(f"forum_rerender: {model_name}: {done}/{total} rendered, {changed} {verb}")
