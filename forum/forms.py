"""Our subclasses of machina's post and topic forms: the topic language, the link limit for new
accounts, a length cap and the approval queue for new accounts. Hooked in by our views
(`post_form_class`), so machina's forms module stays unforked."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from machina.apps.forum_conversation import forms as machina_forms

from forum import services, spam

MAX_POST_CHARS = 20_000


class PostingRulesMixin:
    """Validation shared by new topics, replies and edits."""

    def _prepare_content_field(self):
        field = self.fields["content"]
        field.max_length = MAX_POST_CHARS
        field.widget.attrs.update({"rows": 10, "maxlength": MAX_POST_CHARS})
        field.help_text = _(
            "Markdown works: **bold**, `inline code`, [links](https://example.com) and code blocks "
            "between lines of three backticks (```)."
        )

    def _prepare_signature_field(self):
        """A new post carries the author's signature only if they tick it (machina ticks it by
        default, so everyone's first question went out with whatever signature they once set)."""
        field = self.fields.get("enable_signature")
        if field is not None and not getattr(self.instance, "pk", None):
            field.initial = False
            self.initial.pop("enable_signature", None)

    def clean_content(self):
        content = self.cleaned_data.get("content") or ""
        if len(content) > MAX_POST_CHARS:
            raise forms.ValidationError(
                _("A post can be at most %(max)d characters long (this one has %(length)d)."),
                params={"max": MAX_POST_CHARS, "length": len(content)},
            )
        error = spam.link_limit_error(self.user, content)
        if error:
            raise forms.ValidationError(error)
        return content

    def create_post(self):
        post = super().create_post()
        if spam.requires_approval(self.user):
            post.approved = False
        return post


class PostForm(PostingRulesMixin, machina_forms.PostForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_content_field()
        self._prepare_signature_field()


class TopicForm(PostingRulesMixin, machina_forms.TopicForm):
    language = forms.ChoiceField(
        label=_("Language of your question"),
        choices=settings.LANGUAGES,
        help_text=_("Helps people who speak it find and answer your question."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_content_field()
        self._prepare_signature_field()
        self.fields["subject"].widget.attrs["placeholder"] = _("Sum up your question in one line")
        info = None
        if self.instance.pk:
            info = services.ensure_topic_info(self.instance.topic)
        self.fields["language"].initial = info.language if info else services.default_language(self.user)
        # Order: subject, language, message, then machina's options.
        order = ["subject", "language", "content"]
        self.order_fields(order + [name for name in self.fields if name not in order])

    def create_topic(self):
        topic = super().create_topic()
        if spam.requires_approval(self.user):
            topic.approved = False
        return topic

    def save(self, commit=True):
        post = super().save(commit)
        if commit:
            services.ensure_topic_info(post.topic, self.cleaned_data["language"])
        return post
