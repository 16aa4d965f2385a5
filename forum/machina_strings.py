"""Strings of django-machina that our forum pages show (form labels, help texts, moderation
confirmations, member pages) and that machina has no catalogue for in Nepali, Welsh, Lao or
Lithuanian (its Turkish one is partial). Listing them here lets makemessages extract them into our
catalogues, which Django consults before machina's own (LOCALE_PATHS come first).

Found by crawling /lo/community/ as a customer, a moderator and staff and matching the English
text against machina's msgids; the flash messages and counters from machina's views and member
templates. Nothing imports this module; it exists for extraction.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

MACHINA_STRINGS = (
    gettext_noop('Allow re-voting?'),
    gettext_noop('Announce'),
    gettext_noop('Are you sure you want to lock this topic?'),
    gettext_noop('Are you sure you want to mark topics read?'),
    gettext_noop('Attach a signature'),
    gettext_noop('Change topic type'),
    gettext_noop('Default topic'),
    gettext_noop('Edit forum profile'),
    gettext_noop('Edit profile'),
    gettext_noop('Enter 0 or leave blank for a never ending poll.'),
    gettext_noop('Enter a poll option'),
    gettext_noop('Enter a question to associate a poll with the topic or leave blank to not create a poll.'),
    gettext_noop('Enter your message'),
    gettext_noop('Enter your subject'),
    gettext_noop('For how many days the poll should be run?'),
    gettext_noop('Forum'),
    gettext_noop('Hide results?'),
    gettext_noop('Maximum number of poll options per user'),
    gettext_noop('My messages'),
    gettext_noop('No posts awaiting approval.'),
    gettext_noop('No, take me back'),
    gettext_noop('Poll question'),
    gettext_noop('Post topic as'),
    gettext_noop('Posts'),
    gettext_noop('Posts:'),
    gettext_noop('Select a destination forum'),
    gettext_noop('Signature'),
    gettext_noop('Statistics'),
    gettext_noop('Sticky'),
    gettext_noop('Submit'),
    gettext_noop('There are no unread topics.'),
    gettext_noop('This is the number of options each user may select when voting.'),
    gettext_noop('Topic'),
    gettext_noop('Topics'),
    gettext_noop('Topics that you are subscribed to'),
    gettext_noop('Update reason'),
    gettext_noop('View all'),
    gettext_noop('View unread topics'),
    gettext_noop('Would you want to change this topic to a sticky topic?'),
    gettext_noop('Would you want to change this topic to an announce?'),
    gettext_noop("Yes, I'm sure"),
    # The confirmations machina flashes after an action (its views' success messages).
    gettext_noop('This message has been posted successfully.'),
    gettext_noop('This message has been edited successfully.'),
    gettext_noop('This message has been deleted successfully.'),
    gettext_noop('This message will be validated before appearing on the forum.'),
    gettext_noop('You subscribed to this topic successfully.'),
    gettext_noop('You unsubscribed from this topic successfully.'),
    gettext_noop('The profile has been edited successfully.'),
    gettext_noop('This topic has been locked successfully.'),
    gettext_noop('This topic has been unlocked successfully.'),
    gettext_noop('This topic has been deleted successfully.'),
    gettext_noop('This topic has been moved successfully.'),
    gettext_noop('This topic type has been changed successfully.'),
    gettext_noop('This post has been approved successfully.'),
    gettext_noop('This post has been disapproved successfully.'),
    gettext_noop('Forums have been marked read.'),
    gettext_noop('Topics have been marked read.'),
    gettext_noop('Your vote has been cast.'),
)

# Counters in machina's member pages ({% blocktrans count counter=... %}).
MACHINA_PLURALS = (
    ngettext_lazy('%(counter)s topic found', '%(counter)s topics found', 'counter'),
    ngettext_lazy('%(counter)s post found', '%(counter)s posts found', 'counter'),
)
