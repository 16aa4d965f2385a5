"""StreamField blocks of an article body.

Headings are their own block (not rich-text <h2>s) so the page can number them, give them stable
anchors and build the table of contents; code is its own block so it keeps its whitespace and
gets a copy button.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.images.blocks import ImageBlock

# Rich text in paragraphs and callouts: inline formatting, links and lists. Headings are blocks.
RICH_TEXT_FEATURES = ["bold", "italic", "code", "link", "document-link", "ol", "ul", "blockquote"]
CALLOUT_FEATURES = ["bold", "italic", "code", "link", "document-link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Level"),
        choices=[("h2", _("Section")), ("h3", _("Sub-section"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "kb/blocks/heading.html"


class CodeBlock(blocks.StructBlock):
    language = blocks.CharBlock(
        label=_("Language"),
        required=False,
        max_length=30,
        help_text=_("For example: shell, bash, php, apache, nginx, dns, sql. Leave empty for plain text."),
    )
    code = blocks.TextBlock(label=_("Code or command"))

    class Meta:
        icon = "code"
        label = _("Code or command")
        template = "kb/blocks/code.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[("tip", _("Tip")), ("warning", _("Warning")), ("note", _("Note"))],
        default="note",
    )
    text = blocks.RichTextBlock(label=_("Text"), features=CALLOUT_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "kb/blocks/callout.html"


class FigureBlock(blocks.StructBlock):
    image = ImageBlock()
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "kb/blocks/figure.html"


class ArticleBodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES, icon="pilcrow")
    heading = HeadingBlock()
    code = CodeBlock()
    callout = CalloutBlock()
    image = FigureBlock()
    table = TableBlock(label=_("Table"))
