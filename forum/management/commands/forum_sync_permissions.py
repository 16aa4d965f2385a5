"""Write machina's forum permissions for our roles so a fresh site works with no admin clicks.

    manage.py forum_sync_permissions                       # global grants + every private forum
    manage.py forum_sync_permissions --private staff-lounge [--group "Beta testers"]
    manage.py forum_sync_permissions --public staff-lounge

Safe to run any number of times (`make run` runs it on every start).
"""

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from machina.core.db.models import get_model

from forum import permissions

Forum = get_model("forum", "Forum")


def find_forum(ref: str):
    """A forum by id or slug; an error names the candidates when a slug is ambiguous."""
    if ref.isdigit():
        forum = Forum.objects.filter(pk=int(ref)).first()
        if forum is None:
            raise CommandError(f"No forum with id {ref}.")
        return forum
    matches = list(Forum.objects.filter(slug=ref))
    if not matches:
        raise CommandError(f"No forum with slug {ref!r}.")
    if len(matches) > 1:
        ids = ", ".join(f"{f.pk} ({f.name})" for f in matches)
        raise CommandError(f"Several forums have the slug {ref!r}: {ids}. Pass an id instead.")
    return matches[0]


class Command(BaseCommand):
    help = "Grant machina forum permissions to anonymous visitors, members, moderators and staff."

    def add_arguments(self, parser):
        parser.add_argument("--private", metavar="FORUM", help="Make this forum (slug or id) private.")
        parser.add_argument(
            "--group", action="append", default=[], metavar="NAME",
            help="With --private: a group that may also read the forum (repeatable).",
        )
        parser.add_argument("--public", metavar="FORUM", help="Make this private forum public again.")

    def handle(self, *args, private=None, group=(), public=None, **options):
        if group and not private:
            raise CommandError("--group only makes sense with --private.")
        if private:
            forum = find_forum(private)
            groups = []
            for name in group:
                found = Group.objects.filter(name=name).first()
                if found is None:
                    raise CommandError(f"No group named {name!r}.")
                groups.append(found)
            permissions.make_forum_private(forum, groups)
            self.stdout.write(f"forum: {forum.name!r} is now private.")
        if public:
            forum = find_forum(public)
            permissions.make_forum_public(forum)
            self.stdout.write(f"forum: {forum.name!r} is now public.")
        report = permissions.sync_all()
        self.stdout.write(self.style.SUCCESS(f"forum permissions synced: {report}"))
