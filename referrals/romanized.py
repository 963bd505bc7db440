"""Arabic, Persian, Russian and Ukrainian typed in Latin letters ("Arabizi", "Finglish",
transliteration: the last two in referrals/romanized_slavic.py).

Many people whose phone has no Arabic or Persian keyboard, or who never learnt to type on one,
write "ana khayfe ktir" or "nemitoonam bekhabam". The language detector (py3langid) knows
neither form and takes them for some Latin-script language, so the reply came in German or
English. What tells them apart from the other Latin-script languages here:

- Arabizi writes the Arabic sounds Latin lacks as digits inside words: 3 = ع, 7 = ح, 2 = ء,
  5 = خ, 8 or 9 = ق ("ba3d", "7abibi", "sa2al"); "3am" or "5pm" alone are times, not Arabizi.
- Both have everyday words no other language here has ("baddi", "shu", "mikham", "hastam").

One such word could be a name or a typo, so two pieces of evidence are needed, and more for one
language than for the other.
"""

from __future__ import annotations

import re
import unicodedata

from referrals import romanized_slavic
from referrals.text import fold

# A word with a digit standing for a letter: a letter before it, or two letters after it.
_DIGIT_LETTER = re.compile(r"^(?=[a-z0-9']*[a-z])(?:[a-z']+[235789][a-z0-9']*|[235789][a-z']{2,}[a-z0-9']*)$")
# Digit words that are not Arabizi: times, ordinals, sizes ("3am", "2nd", "5kg", "8eme").
_NOT_ARABIZI = re.compile(
    r"^\d+(?:am|pm|st|nd|rd|th|h|x|kg|km|cm|mm|ml|mg|min|eme|er|te|ten|ter|de|da|te|ci)$"
)

# Everyday words of spoken Arabic (Levantine, Egyptian, Gulf, Maghrebi) that are not words of
# German, English, French or Turkish.
ARABIZI_WORDS = frozenset(
    """
 baddi bddi bdi badi biddi bidi beddi 3am mish msh shu shou sho lesh leish
 wein mafi mafeesh mafish ktir kteer ktiir kter hek heik halla2 hala2 hal2
 ya3ni yaani yalla inshallah wallah wallahi akhi ukhti zawji jozi jouzi ibni binti bnti
 ummi immi abuy abouy 3ala 3an 3and 3ande 3andi 3indi ba3d ba3den kaman kamaan
 khayfe khayef 5ayfe 5ayef khayfeh lazem lazim lezem bukra bokra kif keef kifak kifik izzay
 ezzay ezay 3ayez 3ayza delwa2ti dilwa2ti hala2 b2dar ba2dar bi2dar ma3 ma3i ma3ak
 a3mel a3mil sa3dni sa3idni sa3douni ilha ilo ilak 2albi albi habibi 7abibi enta inta enti
 inti howe huwe hiye heye ihna e7na ni7na nehna hayda hayde haida haide hadi hada hadol
 el7amdella hamdella tayeb tayyeb mni7 mneeh mnih kteer ktire honik ana bde bade shi lal la2
 wala walla emta addesh adesh 2addesh sakin sakna saken sakneen byehki bye7ki 3arabi 3rabi almani
 ebni emmi yom bl 3le 3la fini fik shahade shahadet 3ndi 3nde majjani balash bbalash qarib sabah
 kher khair shukran marhaba ahlan yislamo mosa3ade sa3ade wlad wled jdad fhemt maktoob areed nafsi
 """.split()
)

# Everyday words of spoken Persian (Iran, Afghanistan) that are not words of the other languages.
FINGLISH_WORDS = frozenset(
    """
 mikham mikhay mikhad mikhaym mikhastam nemikham nemikhay mitoonam mitunam nemitoonam
 nemitunam mitoonid mitunid hastam hastim hastid nistam nistim chikar chekar chikaar
 konam bokonam mikonam nemikonam mikone kheili kheyli kheyle kheily khaili pesaram
 dokhtaram shoharam shoharm hamsaram madaram pedaram bacham bachem bacheh bachaa bachehaa
 khoone khune khooneh khuneh emshab emruz emrooz farda dirooz diruz hichi chera chejoori
 chetori chetor kojast koja kojaa baraye baraie barayeh mishe nemishe lotfan mamnoon
 mamnun dorood befarmaid ghoort bemiram mimiram bemire mizane tanhaam tanhayi
 vaghti faghat maani khodam komak dokhtar pesar inja unja injaa shomare chande chand
 daram nadaram nadare shode mikoshe nemidoonam nemidunam midoonam midunam begam migam
 mige migan bebakhshid ghabz dakhtar azizam hast nist chie chiye begu bezan bede bedam begiram
 beram bashe basham nabashe mizanan mikonan nadaran omade umadan shod kard khorde zaban farsi
 khaste nabashid mituni bokoni harf javab dige zende bayad doostam chizi miad hamsaye tanhan gerye
 ghaza mano oon birun bazam bime ejbari lazeme jadid migire nemide miram tamum eghamat eghamatam
 tarjome hatman hazine madrak darkhast bishtar moshavere panahandegi balad zendegi mikonam
 mishinim khoob khub ghors nafasam baram hamle fekr
 """.split()
)


_TURKISH_LETTERS = set("şğı")


def _latin(letter: str) -> bool:
    # German words keep their umlauts inside Arabizi ("ausländerbehörde").
    return unicodedata.name(letter, "").startswith("LATIN")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", fold(text))


def _arabizi_digit_word(word: str) -> bool:
    return bool(_DIGIT_LETTER.match(word)) and not _NOT_ARABIZI.match(word)


def _typed_in_latin(text: str) -> bool:
    # Arabic, Cyrillic or Turkish letters: not typed in Latin letters for want of them. A modifier
    # apostrophe ("bʼye", Ukrainian keyboards) is a letter to Unicode, not a script.
    if _TURKISH_LETTERS & set(text.lower()):
        return False
    return not any(c.isalpha() and not _latin(c) and c not in romanized_slavic.APOSTROPHES for c in text)


def romanized_language(text: str, current: str | None = None, client: str | None = None) -> str | None:
    """ "ar", "fa", "ru" or "uk" where a Latin-letter message is clearly Arabizi, Finglish or
    transliterated Russian or Ukrainian, else None.

    Clearly: two pieces of evidence at least, and more for one language (Russian and Ukrainian
    counted together) than for the others. Russian or Ukrainian by the words that differ; with as
    many for each, the conversation's or app's language if it is one of the two, else None (the
    detector goes on as before: Russian is not the default for Ukrainians).
    """
    if not _typed_in_latin(text):
        return None
    words = _words(text)
    arabic = len({w for w in words if w in ARABIZI_WORDS}) + len({w for w in words if _arabizi_digit_word(w)})
    persian = len({w for w in words if w in FINGLISH_WORDS})
    russian, ukrainian, either = romanized_slavic.evidence(text)
    counts = {"ar": arabic, "fa": persian, "slavic": russian + ukrainian + either}
    best = max(counts, key=lambda group: counts[group])
    if counts[best] < 2 or any(n >= counts[best] for group, n in counts.items() if group != best):
        return None
    if best != "slavic":
        return best
    if russian != ukrainian:
        return "ru" if russian > ukrainian else "uk"
    return next((c for c in (current, client) if c in ("ru", "uk")), None)
