"""Forum test data, created through the same code paths as the site (forum.services), so
machina's counters, subscriptions and TopicInfo rows are what they would be in real use."""

import itertools

from forum import services

_counter = itertools.count(1)


def make_topic(forum, user, subject=None, content="How do I point my domain at the new server?", language="en"):
    subject = subject or f"Question number {next(_counter)}"
    return services.create_topic(forum, user, subject, content, language)


def make_reply(topic, user, content="Set the A record to the server's address and wait for the TTL."):
    return services.create_reply(topic, user, content)
