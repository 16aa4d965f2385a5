"""machina's URL patterns with our views swapped in.

machina builds its URLs from URLPatternsFactory classes whose view attributes are meant to be
overridden by subclassing (machina/core/urls.py); this module does exactly that, so every URL
name and path stays machina's (`forum:index`, `forum_conversation:topic`, ...) while the views
are ours. site/helpcenter/urls.py includes this module instead of `machina.urls`.
"""

from django.urls import path
from machina.apps.forum.urls import ForumURLPatternsFactory
from machina.apps.forum_conversation.urls import ForumConversationURLPatternsFactory
from machina.apps.forum_member.urls import ForumMemberURLPatternsFactory
from machina.apps.forum_search.urls import ForumSearchURLPatternsFactory
from machina.urls import BoardURLPatternsFactory

from forum import views


class ForumURLs(ForumURLPatternsFactory):
    forum_view = views.ForumView


class ConversationURLs(ForumConversationURLPatternsFactory):
    topic_view = views.TopicView
    topic_create_view = views.TopicCreateView
    topic_update_view = views.TopicUpdateView
    post_create_view = views.PostCreateView
    post_update_view = views.PostUpdateView


class MemberURLs(ForumMemberURLPatternsFactory):
    """machina matches member ids as strings (for any user model); ours are integers, and a
    non-numeric id must be a 404, not a ValueError. Our posts list hides queued posts."""

    user_posts_list = views.UserPostsView

    def get_urlpatterns(self):
        return [
            path(str(p.pattern).replace("<str:pk>", "<int:pk>"), p.callback, name=p.name)
            for p in super().get_urlpatterns()
        ]


class SearchURLs(ForumSearchURLPatternsFactory):
    """Kept installed (machina imports it) but sends visitors to the site search."""

    def get_urlpatterns(self):
        return [path("", views.SearchRedirectView.as_view(), name="search")]


class BoardURLs(BoardURLPatternsFactory):
    forum_urlpatterns_factory = ForumURLs()
    conversation_urlpatterns_factory = ConversationURLs()
    member_urlpatterns_factory = MemberURLs()
    search_urlpatterns_factory = SearchURLs()


urlpatterns = BoardURLs().get_urlpatterns()
