"""machina's permission answers are computed once per request (forum/request_permissions.py), and
never kept beyond it: a permission change is seen by the next request and by checks outside one."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from machina.core.db.models import get_model

from forum import services
from forum.views import topic_url
from tests.forum.test_notifications import post_reply

ForumPermission = get_model("forum_permission", "ForumPermission")
UserForumPermission = get_model("forum_permission", "UserForumPermission")
GROUP_PERMISSIONS = get_model("forum_permission", "GroupForumPermission")._meta.db_table


def _group_permission_queries(queries) -> int:
    return sum(1 for q in queries.captured_queries if f'FROM "{GROUP_PERMISSIONS}"' in q["sql"])


def test_a_reply_asks_for_the_forums_permissions_once(client, question, other_customer):
    client.force_login(other_customer)
    with CaptureQueriesContext(connection) as queries:
        assert post_reply(client, question).status_code == 302
    # Our topic view's two checks, machina's view and machina's post form all ask the same question.
    assert _group_permission_queries(queries) == 1


def _deny_reading(user, forum) -> None:
    UserForumPermission.objects.create(
        user=user, forum=forum, permission=ForumPermission.objects.get(codename="can_read_forum"), has_perm=False)


def test_a_permission_change_is_seen_by_the_next_request(client, question, other_customer):
    client.force_login(other_customer)
    assert client.get(topic_url(question)).status_code == 200
    _deny_reading(other_customer, question.forum)
    assert client.get(topic_url(question)).status_code in (403, 404)


def test_checks_outside_a_request_keep_nothing(question, other_customer):
    assert services.can_read(other_customer, question.forum)
    _deny_reading(other_customer, question.forum)
    assert not services.can_read(other_customer, question.forum)
