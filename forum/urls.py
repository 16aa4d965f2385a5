"""Our own forum actions (namespace `support_forum`), next to machina's URLs under /community/."""

from django.urls import path

from forum import views

app_name = "support_forum"
urlpatterns = [
    path("topic/<int:topic_pk>/solution/", views.MarkSolutionView.as_view(), name="mark_solution"),
    path("post/<int:pk>/helpful/", views.HelpfulVoteView.as_view(), name="vote"),
    path("post/<int:pk>/report/", views.ReportPostView.as_view(), name="report"),
    path("unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
    path("staff/", views.StaffAttentionView.as_view(), name="staff_attention"),
    path("staff/reports/<int:pk>/resolve/", views.ResolveReportView.as_view(), name="resolve_report"),
    # Ask the community from anywhere: to the right forum's ask form, the question filled in.
    path("ask/", views.AskView.as_view(), name="ask"),
    # Ask the community (the new-topic form): "This solved my problem" and the live panel's events.
    path("ask/<int:forum_pk>/solved/", views.AskSolvedView.as_view(), name="ask_solved"),
    path("ask/<int:forum_pk>/events/", views.AskEventView.as_view(), name="ask_event"),
]
