"""Deterministic multilingual corpus for the benchmarks: N forum topics (question, answers, some
accepted) and KB articles across the six site languages, from a fixed seed.

Texts are assembled from per-language hosting vocabulary (inflected forms included, Lao written
without spaces) so word frequencies look like a real help center's: a few very common words, a
long tail of rare ones (Zipf-like sampling). They are not meant to be read.

    .venv/bin/python bench/corpus.py --topics 10000 --articles 300   # into a throwaway database

Topics are written with bulk inserts (machina's models, our TopicInfo/PostVote), bypassing the
per-save signals: building 100k topics through the forum's services would take hours. The index
is then built by `search_reindex`, which is what the indexing-throughput figure measures.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

SEED = 20261123
LANGUAGES = ("en", "ne", "cy", "lo", "tr", "lt")

VOCABULARY = {
    "en": {
        "function": "the a to my is it of and in on for with how do i can not from after when".split(),
        "content": (
            "email mailbox password reset domain dns record nameserver ssl certificate https backup "
            "restore website wordpress database mysql php upload ftp sftp invoice billing payment "
            "renewal account login error timeout slow server cpu memory disk quota spam filter "
            "forwarding redirect subdomain cpanel panel cron job migration transfer registrar "
            "propagation mx spf dkim dmarc bounce webmail outlook thunderbird iphone android "
            "cache cdn firewall malware hacked security twofactor ticket support upgrade plan vps "
            "reseller bandwidth traffic logs error500 htaccess permissions ownership nginx apache"
        ).split(),
    },
    "tr": {
        "function": "ve bir bu için ile ne nasıl da de mi çok daha sonra".split(),
        "content": (
            "e-posta posta şifre parola sıfırlama alan adı dns kaydı sunucu sunucuya sunucunun "
            "sertifika ssl yedek yedekleme yedekten geri yükleme web sitesi sitem sitenizi veritabanı "
            "fatura ödeme yenileme hesap hesabım giriş hata yavaş bellek disk kota istenmeyen "
            "yönlendirme alt alan cpanel panel görev taşıma transfer müşteri müşterilerimiz "
            "müşterilerin destek canlı sohbet bilgi bankası güvenlik güvenlik duvarı önbellek "
            "bağlanamıyorum çalışmıyor gönderemiyorum alamıyorum yükseltme paket trafik günlük izinler"
        ).split(),
    },
    "lt": {
        "function": "ir ar kaip kad su į iš ne tai yra mano per po".split(),
        "content": (
            "el paštas pašto slaptažodis slaptažodžio atkūrimas domenas domeno dns įrašas serveris "
            "serverio sertifikatas ssl atsarginė kopija kopijos atkurti svetainė svetainės duomenų "
            "bazė bazės sąskaita mokėjimas atnaujinimas paskyra prisijungimas klaida lėtas atmintis "
            "diskas kvota šlamštas peradresavimas subdomenas valdymo skydas perkėlimas klientas "
            "klientų klientams pagalba žinių bazė žinių bazėje saugumas ugniasienė talpykla "
            "neveikia negaliu išsiųsti gauti planas srautas žurnalai teisės"
        ).split(),
    },
    "cy": {
        "function": "y yr a ac i o yn ar gyda sut mae fy eich ddim".split(),
        "content": (
            "e-bost ebost cyfrinair ailosod parth gweinydd gweinyddion enwau tystysgrif copi wrth gefn "
            "adfer gwefan gwefannau cronfa ddata anfoneb taliad adnewyddu cyfrif mewngofnodi gwall "
            "araf cof disg cwota sbam ailgyfeirio is-barth panel rheoli trosglwyddo cwsmer cwsmeriaid "
            "cymorth cefnogaeth diogelwch mur gwarchod storfa ffeiliau llwytho uwchraddio cynllun "
            "traffig logiau caniatâd ddim yn gweithio methu anfon derbyn"
        ).split(),
    },
    "ne": {
        "function": "र को मा ले लाई छ हो पनि कसरी किन".split(),
        "content": (
            "इमेल इमेलहरू पासवर्ड रिसेट डोमेन डोमेनको डीएनएस रेकर्ड सर्भर सर्भरमा प्रमाणपत्र ब्याकअप "
            "पुनर्स्थापना वेबसाइट वेबसाइटको डाटाबेस बिल भुक्तानी नवीकरण खाता लगइन त्रुटि ढिलो मेमोरी "
            "डिस्क कोटा स्प्याम रिडाइरेक्ट सबडोमेन प्यानल नियन्त्रण स्थानान्तरण ग्राहक ग्राहकहरू "
            "ग्राहकहरूको सहायता सुरक्षा फायरवाल क्यास फाइल अपलोड अपग्रेड योजना ट्राफिक लग अनुमति "
            "काम गर्दैन पठाउन सकिँदैन प्राप्त"
        ).split(),
    },
    "lo": {
        "function": "ແລະ ຂອງ ໃນ ທີ່ ແມ່ນ ບໍ່ ໄດ້ ຈະ".split(),
        # Lao is written without spaces: words are glued into phrases below.
        "content": (
            "ອີເມວ ລະຫັດຜ່ານ ປ່ຽນ ໂດເມນ ເຊີບເວີ ໃບຢັ້ງຢືນ ສຳຮອງ ກູ້ຄືນ ເວັບໄຊ ຖານຂໍ້ມູນ ໃບແຈ້ງໜີ້ "
            "ຈ່າຍເງິນ ບັນຊີ ເຂົ້າສູ່ລະບົບ ຂໍ້ຜິດພາດ ຊ້າ ໜ່ວຍຄວາມຈຳ ດິສກ໌ ສະແປມ ແຜງຄວບຄຸມ ຍ້າຍ ລູກຄ້າ "
            "ຊ່ວຍເຫຼືອ ຄວາມປອດໄພ ໄຟລ໌ ອັບໂຫຼດ ແຜນ ສົ່ງ ຮັບ ບໍ່ເຮັດວຽກ"
        ).split(),
    },
}


# A real help center's vocabulary has thousands of words per language: the hand-written hosting words
# above are the frequent head; a long tail of generated words in each language's script and
# spelling (product names, error codes, rarer words) follows, so document frequencies look real
# (a few words in most documents of a language, most words in few).
SYLLABLES = {
    "en": ("b bl br c ch cl cr d dr f fl fr g gl gr h j k l m n p pl pr qu r s sh sl sp st t th tr v w",
           "a e i o u ai ea ee oo ou", "", "s ed ing er ly"),
    "tr": ("b c ç d f g ğ h k l m n p r s ş t v y z", "a e ı i o ö u ü", "", "lar ler ı i ın in da de dan den"),
    "lt": ("b č d g j k l m n p r s š t v ž", "a e ė i y o u ū ą ę į ų", "", "as is us ų ams ės ai"),
    "cy": ("b c ch d dd f ff g ng h ll m n p ph r rh s t th", "a e i o u w y ae ai au", "", "au ion wch odd"),
    "ne": ("क ख ग घ च छ ज झ ट ड त थ द ध न प फ ब भ म य र ल व स ह", "ा ि ी ु ू े ै ो ौ", "", "हरू को मा ले"),
    "lo": ("ກ ຂ ຄ ງ ຈ ສ ຊ ຍ ດ ຕ ຖ ທ ນ ບ ປ ຜ ຝ ພ ຟ ມ ຢ ຣ ລ ວ ຫ ອ ຮ", "ະ າ ິ ີ ຶ ື ຸ ູ ເ ແ ໂ", "", ""),
}
TAIL_WORDS = 4000
HEAD_SHARE = 0.6  # share of content words drawn from the hand-written head


def _tail_words(lang: str, rng: random.Random, count: int) -> list[str]:
    onsets, vowels, _unused, endings = (part.split() for part in SYLLABLES[lang])
    words: set[str] = set()
    while len(words) < count:
        syllables = rng.randint(2, 3)
        if lang in ("ne", "lo"):
            word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(syllables))
        else:
            word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(syllables))
            if endings and rng.random() < 0.5:
                word += rng.choice(endings)
        words.add(word)
    return sorted(words)


class Generator:
    def __init__(self, seed: int = SEED):
        self.random = random.Random(seed)
        # Zipf-like weights: word i of a list is drawn with weight 1 / (i + 1).
        self.weights = {
            lang: [1 / (i + 1) for i in range(len(vocab["content"]))] for lang, vocab in VOCABULARY.items()
        }
        tail_rng = random.Random(seed + 1)
        self.tail = {lang: _tail_words(lang, tail_rng, TAIL_WORDS) for lang in LANGUAGES}
        for words in self.tail.values():
            tail_rng.shuffle(words)
        self.tail_weights = [1 / (i + 1) for i in range(TAIL_WORDS)]

    def words(self, lang: str, count: int) -> list[str]:
        vocab = VOCABULARY[lang]
        heads = self.random.choices(vocab["content"], weights=self.weights[lang], k=count)
        tails = self.random.choices(self.tail[lang], weights=self.tail_weights, k=count)
        out = []
        for head, tail in zip(heads, tails, strict=True):
            if self.random.random() < 0.35:
                out.append(self.random.choice(vocab["function"]))
            out.append(head if self.random.random() < HEAD_SHARE else tail)
        return out

    def sentence(self, lang: str, count: int) -> str:
        words = self.words(lang, count)
        if lang == "lo":  # no spaces between Lao words; phrases separated by spaces
            return " ".join("".join(words[i:i + 4]) for i in range(0, len(words), 4))
        text = " ".join(words)
        return text[:1].upper() + text[1:] + "."

    def text(self, lang: str, sentences: int) -> str:
        return " ".join(self.sentence(lang, self.random.randint(6, 14)) for _ in range(sentences))

    def topic(self) -> dict:
        lang = self.random.choice(LANGUAGES)
        replies = self.random.randint(0, 3)
        return {
            "language": lang,
            "subject": self.sentence(lang, self.random.randint(4, 8)).rstrip(".")[:200],
            "question": self.text(lang, self.random.randint(2, 5)),
            "replies": [self.text(lang, self.random.randint(1, 4)) for _ in range(replies)],
            "accepted": replies > 0 and self.random.random() < 0.5,
            "votes": self.random.choice([0, 0, 0, 1, 2, 5]),
        }

    def article(self, lang: str) -> dict:
        return {
            "language": lang,
            "title": self.sentence(lang, self.random.randint(3, 7)).rstrip(".")[:200],
            "summary": self.sentence(lang, 10)[:280],
            "body": [self.text(lang, self.random.randint(3, 6)) for _ in range(self.random.randint(3, 8))],
        }


def create_topics(count: int, generator: Generator, forums: list, users: list, batch: int = 2000) -> int:
    """Bulk-insert `count` topics with their posts, TopicInfo rows and votes."""
    from django.db import transaction
    from django.utils import timezone
    from django.utils.html import escape
    from machina.core.db.models import get_model

    from forum.models import PostVote, TopicInfo

    Topic = get_model("forum_conversation", "Topic")
    Post = get_model("forum_conversation", "Post")
    created = 0
    while created < count:
        n = min(batch, count - created)
        specs = [generator.topic() for _ in range(n)]
        now = timezone.now()
        with transaction.atomic():
            topics = Topic.objects.bulk_create([
                Topic(forum=generator.random.choice(forums), poster=users[0], subject=spec["subject"],
                      slug=f"t{created + i}", type=Topic.TOPIC_POST, status=Topic.TOPIC_UNLOCKED,
                      approved=True, posts_count=1 + len(spec["replies"]), last_post_on=now)
                for i, spec in enumerate(specs)
            ])
            posts = []
            for topic, spec in zip(topics, specs, strict=True):
                # bulk_create sends no pre_save signal, so machina's renderer doesn't run: render here.
                posts.append(Post(topic=topic, poster=users[0], subject=spec["subject"], content=spec["question"],
                                  _content_rendered=f"<p>{escape(spec['question'])}</p>", approved=True))
                for index, reply in enumerate(spec["replies"]):
                    posts.append(Post(topic=topic, poster=users[1 + index % (len(users) - 1)],
                                      subject=f"Re: {spec['subject']}"[:255], content=reply,
                                      _content_rendered=f"<p>{escape(reply)}</p>", approved=True))
            posts = Post.objects.bulk_create(posts)
            by_topic: dict[int, list] = {}
            for post in posts:
                by_topic.setdefault(post.topic_id, []).append(post)
            infos, votes, updates = [], [], []
            for topic, spec in zip(topics, specs, strict=True):
                topic_posts = by_topic[topic.pk]
                topic.first_post, topic.last_post = topic_posts[0], topic_posts[-1]
                updates.append(topic)
                accepted = topic_posts[1] if spec["accepted"] and len(topic_posts) > 1 else None
                infos.append(TopicInfo(topic=topic, language=spec["language"], accepted_post=accepted,
                                       solved_at=now if accepted else None))
                if len(topic_posts) > 1:
                    for voter in users[1:1 + spec["votes"]]:
                        votes.append(PostVote(post=topic_posts[1], user=voter))
            Topic.objects.bulk_update(updates, ["first_post", "last_post"])
            TopicInfo.objects.bulk_create(infos)
            PostVote.objects.bulk_create(votes, ignore_conflicts=True)
        created += n
        print(f"  topics: {created}/{count}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return created


def create_articles(per_language: int, generator: Generator) -> int:
    from home.site_setup import ensure_home_pages
    from kb.services import ArticleContent, create_article
    from kb.setup import ensure_kb_indexes

    indexes = ensure_kb_indexes(ensure_home_pages())
    count = 0
    for lang in LANGUAGES:
        for _ in range(per_language):
            spec = generator.article(lang)
            body = [{"type": "paragraph", "value": f"<p>{paragraph}</p>"} for paragraph in spec["body"]]
            content = ArticleContent(title=spec["title"], summary=spec["summary"], body=body, tags=(), applies_to=[])
            create_article(indexes[lang], content, slug=f"bench-{lang}-{count}", publish=True)
            count += 1
    return count


def setup_forums(count: int = 6):
    from django.contrib.auth import get_user_model
    from machina.core.db.models import get_model

    from forum.permissions import sync_global_permissions

    Forum = get_model("forum", "Forum")
    sync_global_permissions()
    category = Forum.objects.create(name="Bench", type=Forum.FORUM_CAT)
    forums = [Forum.objects.create(name=f"Bench forum {i}", type=Forum.FORUM_POST, parent=category)
              for i in range(count)]
    User = get_user_model()
    users = [User.objects.create(username=f"bench{i}", email=f"bench{i}@example.com") for i in range(8)]
    return forums, users


def main() -> None:
    import _django

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=50, help="articles per language")
    parser.add_argument("--workdir")
    args = parser.parse_args()
    _django.setup("corpus", args.workdir)
    from django.conf import settings

    settings.SEARCH_APPLY_IMMEDIATELY = False
    generator = Generator()
    started = time.monotonic()
    forums, users = setup_forums()
    create_articles(args.articles, generator)
    create_topics(args.topics, generator, forums, users)
    print(f"corpus: {args.topics} topics, {args.articles * 6} articles in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
