"""Signals other apps may listen to (search re-ranks on helpfulness).

article_feedback_changed(sender=ArticlePage, article=<ArticlePage>): sent after a vote is stored
and the article's helpful_yes/helpful_no are updated (after the transaction commits). Votes update
the counters with a queryset update, so Wagtail's page signals do not fire for them.
"""

from django.dispatch import Signal

article_feedback_changed = Signal()
