"""The foundation's main journey, in a real browser on the demo site: a new visitor reads the home
page, searches, reads an article and a forum thread, signs up, asks a question, replies, opens a
ticket, and reads the site in another language."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from forum.models import TopicInfo
from tickets.models import Ticket


@pytest.fixture
def demo_site(transactional_db):
    call_command("forum_sync_permissions", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))


def test_new_visitor_journey(demo_site, live_server, page, screenshot):
    base = live_server.url

    # Home page: the big search box and the service notice.
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/en/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("How can we help?")
    expect(page.locator("body")).to_contain_text("Scheduled maintenance")
    screenshot(page, "journey-01-home")

    # Search from the home page and open an article.
    page.locator("main input[name=q]").first.fill("set up email client")
    page.locator("main input[name=q]").first.press("Enter")
    expect(page).to_have_url(re.compile(r"/en/search/\?q="))
    results = page.locator("main a", has_text=re.compile("Outlook|email", re.I))
    expect(results.first).to_be_visible()
    screenshot(page, "journey-02-search")
    page.get_by_role("link", name=re.compile("Set up your email", re.I)).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Set up your email")
    expect(page.locator("body")).to_contain_text(re.compile("helpful", re.I))
    screenshot(page, "journey-03-article")

    # The community: a forum, then a solved thread.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Community").click()
    page.get_by_role("link", name="Email", exact=True).first.click()
    page.get_by_role("link", name=re.compile("Google Workspace", re.I)).first.click()
    expect(page.locator("body")).to_contain_text("Solved")
    screenshot(page, "journey-04-thread")

    # Sign up.
    page.goto(base + "/en/accounts/signup/")
    page.get_by_label("Username").fill("newcustomer")
    page.get_by_label("Email address").fill("newcustomer@example.com")
    page.get_by_label("Display name").fill("New Customer")
    page.locator("input[name=password1]").fill("a-long-and-unusual-passphrase-42")
    page.locator("input[name=password2]").fill("a-long-and-unusual-passphrase-42")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("header")).to_contain_text("New Customer")
    screenshot(page, "journey-05-signed-up")

    # Ask a question in the Email forum.
    page.goto(base + "/en/community/")
    page.get_by_role("link", name="Email", exact=True).first.click()
    page.get_by_role("link", name="Ask a question").click()
    page.locator("input[name=subject]").fill("Webmail shows an old inbox after moving domains")
    page.locator("textarea[name=content]").fill(
        "After moving my domain, webmail shows an **old** inbox. Which MX record should I keep?"
    )
    page.locator("form").get_by_role("button", name=re.compile("^(Post|Submit|Ask)", re.I)).first.click()
    page.wait_for_load_state("domcontentloaded")
    post_anyway = page.get_by_role("button", name="Continue and post my question")
    if post_anyway.count():  # the "Did one of these answer your question?" step
        post_anyway.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Webmail shows an old inbox")
    topic_info = TopicInfo.objects.get(topic__subject__startswith="Webmail shows an old inbox")
    assert topic_info.language == "en"
    screenshot(page, "journey-06-topic")

    # Reply to it.
    page.locator("#quick-reply-content").fill("Update: keeping only the new MX record fixed it.")
    page.get_by_role("button", name="Post your answer").click()
    expect(page.locator("body")).to_contain_text("keeping only the new MX record fixed it")
    screenshot(page, "journey-07-reply")

    # Open a ticket; answer "no" to the suggestions if the no-JS step appears.
    page.goto(base + "/en/support/")
    page.get_by_label("Subject").fill("My site returns error 500 after a plugin update")
    page.get_by_label("Describe the problem").fill("Since this morning every page of example.org shows error 500.")
    page.locator("input[name=severity][value=critical]").check()
    page.get_by_role("button", name="Open ticket").click()
    page.wait_for_load_state("domcontentloaded")
    send_anyway = page.get_by_role("button", name=re.compile("send my ticket", re.I))
    if send_anyway.count():  # the "Did one of these answer your question?" step
        screenshot(page, "journey-08a-did-these-help")
        send_anyway.first.click()
    expect(page.locator("body")).to_contain_text("My site returns error 500")
    ticket = Ticket.objects.get(subject__startswith="My site returns error 500")
    assert ticket.customer.username == "newcustomer"
    assert ticket.severity == "critical"
    screenshot(page, "journey-08-ticket")

    # Read the site in Lao.
    page.goto(base + "/en/")
    page.locator("#language-select").select_option("lo")  # submits itself with JavaScript
    expect(page).to_have_url(re.compile(r"/lo/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("ພວກເຮົາ")
    screenshot(page, "journey-09-lao")
