"""Shared vocabulary and tokenisation for the natural-language understanding (issue #4).

Everything here is a constant table or a pure function, so the title matcher, the slot
extractors and the intent rules agree on what a word is and which words carry meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Token:
    """One word or punctuation mark with its character span in the original message."""

    text: str
    lower: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        """Whether this token is a word (letters or digits) rather than punctuation."""
        return self.lower[:1].isalnum()


def tokenize(text: str) -> list[Token]:
    """Split a message into words (keeping "sci-fi", "don't") and single punctuation marks."""
    return [Token(m.group(), m.group().lower().replace("’", "'"), m.start(), m.end())
            for m in _TOKEN_RE.finditer(text)]


def phrase_at(words: list[str], i: int, phrases: dict[tuple[str, ...], object]) -> int:
    """Length of the longest phrase (a tuple of words) starting at ``words[i]``; 0 if none."""
    for length in range(min(4, len(words) - i), 0, -1):
        if tuple(words[i:i + length]) in phrases:
            return length
    return 0


def as_phrases(table: dict[str, object]) -> dict[tuple[str, ...], object]:
    """Key a ``{"science fiction": value}`` table by word tuples for ``phrase_at``."""
    return {tuple(key.split()): value for key, value in table.items()}


# Genre words and slang -> catalog genre names (filtered later to the catalog's vocabulary).
GENRE_WORDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(["action", "action-packed", "action packed", "explosions", "martial arts",
                     "kung fu", "superhero", "superheroes", "shoot em up"], ("Action",)),
    **dict.fromkeys(["adventure", "adventures", "adventurous"], ("Adventure",)),
    **dict.fromkeys(["animation", "animated", "cartoon", "cartoons", "anime", "pixar"],
                    ("Animation",)),
    **dict.fromkeys(["kids", "kid", "children", "children's", "childrens", "family",
                     "family-friendly", "kid-friendly", "kiddie", "year old", "years old",
                     "year-old"], ("Children's",)),
    **dict.fromkeys(["comedy", "comedies", "funny", "hilarious", "comedic", "laugh", "laughs",
                     "humor", "humour", "goofy"], ("Comedy",)),
    **dict.fromkeys(["crime", "gangster", "gangsters", "mafia", "mob", "mobster", "mobsters",
                     "heist", "heists"], ("Crime",)),
    **dict.fromkeys(["documentary", "documentaries", "docs", "doc", "docu", "docos"],
                    ("Documentary",)),
    **dict.fromkeys(["drama", "dramas", "dramatic"], ("Drama",)),
    **dict.fromkeys(["fantasy", "fantasies", "magic", "magical", "fairy tale", "fairy tales",
                     "dragons", "wizards"], ("Fantasy",)),
    **dict.fromkeys(["noir", "noirs", "film noir", "film-noir"], ("Film-Noir",)),
    **dict.fromkeys(["horror", "horrors", "scary", "spooky", "creepy", "frightening",
                     "terrifying", "slasher", "slashers", "zombie", "zombies", "haunted"],
                    ("Horror",)),
    **dict.fromkeys(["musical", "musicals", "sing-along"], ("Musical",)),
    **dict.fromkeys(["mystery", "mysteries", "whodunit", "whodunnit", "whodunits",
                     "detective", "detectives"], ("Mystery",)),
    **dict.fromkeys(["romance", "romances", "romantic", "love story", "love stories",
                     "date movie", "date night"], ("Romance",)),
    **dict.fromkeys(["rom-com", "rom-coms", "romcom", "romcoms", "rom com", "rom coms"],
                    ("Romance", "Comedy")),
    **dict.fromkeys(["sci-fi", "scifi", "sci fi", "science fiction", "science-fiction", "space",
                     "futuristic", "robots", "time travel"], ("Sci-Fi",)),
    **dict.fromkeys(["thriller", "thrillers", "suspense", "suspenseful", "thrilling"],
                    ("Thriller",)),
    **dict.fromkeys(["war", "wartime", "world war", "ww2", "wwii", "military"], ("War",)),
    **dict.fromkeys(["western", "westerns", "cowboy", "cowboys", "wild west"], ("Western",)),
    "imax": ("IMAX",),
}

# Soft avoids: content a user wants less of without banning a genre ("not too violent").
AVOID_WORDS: dict[str, str] = {
    **dict.fromkeys(["violent", "violence", "gore", "gory", "bloody", "brutal"], "violent"),
    **dict.fromkeys(["sad", "depressing", "tearjerker", "tear-jerker", "bleak"], "sad"),
    **dict.fromkeys(["dark", "grim", "disturbing"], "dark"),
    **dict.fromkeys(["long", "lengthy"], "long"),
    **dict.fromkeys(["slow", "slow-paced"], "slow"),
    **dict.fromkeys(["sex", "sexual", "explicit", "nudity", "steamy"], "explicit"),
    **dict.fromkeys(["swearing", "profanity", "cursing"], "language"),
    **dict.fromkeys(["intense", "stressful"], "intense"),
    **dict.fromkeys(["subtitles", "subtitled", "foreign"], "subtitles"),
    "cheesy": "cheesy",
}

# Comparatives that adjust soft avoids: word -> (avoid to add, avoid to lift).
COMPARATIVES: dict[str, tuple[str, str]] = {
    "lighter": ("dark", ""), "light-hearted": ("dark", ""), "lighthearted": ("dark", ""),
    "happier": ("sad", ""), "upbeat": ("sad", ""), "darker": ("", "dark"),
    "shorter": ("long", ""), "calmer": ("intense", ""), "tamer": ("violent", ""),
}

NEGATORS = frozenset({"no", "not", "nothing", "without", "never", "none", "except", "avoid",
                      "skip", "hate", "hated", "dislike", "isn't", "aren't", "don't", "dont",
                      "didn't", "didnt", "wasn't", "nope", "nor", "excluding", "less", "minus"})
NEGATOR_PHRASES = as_phrases(dict.fromkeys(
    ["anything but", "everything but", "anything except", "no more", "can't stand",
     "cant stand", "not into", "not a fan of", "sick of", "tired of", "stay away from",
     "keep away from", "rather not", "other than"], True))
SOFTENERS = frozenset({"too", "very", "that", "overly", "so", "super", "excessively"})
# Words that end a negation's scope: "no horror but something funny" frees "funny".
SCOPE_BREAKERS = frozenset({"but", "though", "although", "however", "yet", "instead", "rather",
                            "want", "prefer", "i", "and", "also", "maybe"})
# "X is fine" lifts an exclusion or an avoid.
ALLOW_WORDS = frozenset({"fine", "ok", "okay", "good", "allowed", "alright", "acceptable"})

POSITIVE_WORDS = frozenset({
    "love", "loved", "loving", "like", "liked", "enjoy", "enjoyed", "adore", "adored", "great",
    "good", "amazing", "awesome", "fantastic", "brilliant", "favorite", "favourite", "fav",
    "masterpiece", "favorites", "favourites", "fave", "faves",
    "perfect", "excellent", "incredible", "superb", "fun", "best", "classic",
    "wonderful", "beautiful", "nice", "cool", "solid", "yes", "yeah", "yep", "interesting",
    "into", "dig", "dug", "fan", "lovely", "gem", "loooved", "luv", "rocks", "rocked",
    "stunning", "gripping", "underrated"})
NEGATIVE_WORDS = frozenset({
    "hate", "hated", "dislike", "disliked", "boring", "bored", "awful", "terrible", "bad",
    "meh", "overrated", "worst", "dull", "sucked", "sucks", "disappointing", "disappointed",
    "horrible", "stupid", "lame", "nope", "garbage", "trash", "annoying", "mediocre", "weak",
    "tedious", "pass", "nah", "asleep", "crap", "cringe", "underwhelming", "ugh", "letdown",
    "forgettable", "pointless", "bland"})
POSITIVE_EMOJI = frozenset("👍❤😍🔥💯🥰😀😊🙌")
NEGATIVE_EMOJI = frozenset("👎😴🤮🙄💩😒")
# Two-word complaints that hold a flipper-looking word ("can't stand" is not "can't" + "stand").
NEGATIVE_BIGRAMS = frozenset({("can't", "stand"), ("cant", "stand"), ("couldn't", "stand"),
                              ("couldnt", "stand"), ("cannot", "stand"), ("waste", "of"),
                              ("fell", "asleep"), ("not", "for")})
# Turn the polarity of a nearby sentiment word around ("didn't like", "not great").
FLIPPERS = frozenset({"not", "didn't", "didnt", "don't", "dont", "never", "wasn't", "wasnt",
                      "isn't", "isnt", "no", "hardly", "couldn't", "doesn't", "wouldn't",
                      "aren't", "weren't", "can't", "cant"})

# Where a clause ends for sentiment and negation scope.
CLAUSE_BREAKS = frozenset({",", ";", ".", "!", "?", "but", "though", "although", "however",
                           "whereas", "yet", "-", "—"})

# Words that ask for recommendations.
REQUEST_WORDS = frozenset({
    "recommend", "recommendation", "recommendations", "recs", "rec", "suggest", "suggestion",
    "suggestions", "something", "anything", "movie", "movies", "film", "films", "flick",
    "flicks", "watch", "want", "looking", "mood", "ideas", "idea", "options", "show", "give",
    "find", "need", "tonight", "some", "picks", "pick", "any", "stuff", "titles", "ones"})

# Function words and chat filler that are neither titles nor a wish on their own.
FILLER_WORDS = frozenset({
    "i", "i'm", "im", "i'd", "id", "i've", "ive", "me", "my", "we", "us", "our", "you", "your",
    "a", "an", "the", "some", "any", "something", "anything", "movie", "movies", "film",
    "films", "flick", "flicks", "one", "ones", "please", "pls", "plz", "can", "could", "would",
    "will", "should", "do", "does", "did", "to", "of", "for", "from", "in", "on", "at", "with",
    "and", "or", "but", "that", "this", "these", "those", "is", "are", "was", "were", "be",
    "it", "its", "it's", "really", "also", "just", "so", "too", "very", "kinda", "maybe",
    "recommend", "suggest", "want", "wanna", "show", "give", "find", "need", "looking",
    "watch", "tonight", "today", "now", "what", "whats", "what's", "got", "have", "get",
    "like", "liked", "love", "loved", "enjoyed", "hey", "hi", "hello", "thanks", "ok",
    "okay", "yeah", "lol", "um", "uh", "hmm", "well", "then", "again", "more", "else",
    "other", "another", "mood", "feel", "feeling", "there", "here", "how", "about", "than",
    "similar", "same", "into", "let's", "lets", "see", "which", "stuff", "titles", "pick",
    "picks", "options", "recommendations", "suggestions", "recs", "ideas", "idea", "all",
    "actually", "only", "good", "great", "i'll", "by", "as", "bit", "little", "go",
    "fine", "nice", "cool", "awesome", "them", "they", "he", "she", "been", "try"})

# Relative time words -> which bound they set (the value depends on the catalog's newest year).
RECENT_WORDS = frozenset({"recent", "newer", "newest", "latest", "modern", "recently",
                          "contemporary", "new"})
OLD_WORDS = frozenset({"old", "older", "classic", "classics", "oldies", "vintage", "oldie",
                       "retro", "black-and-white"})
RECENT_SPAN = 5  # "recent" = the catalog's last five years
OLD_SPAN = 20  # "older" / "classic" = at least twenty years before the catalog's newest film

ORDINALS: dict[str, int] = {
    "first": 1, "1st": 1, "top": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
    "4th": 4, "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8,
    "8th": 8, "ninth": 9, "9th": 9, "tenth": 10, "10th": 10, "last": -1, "final": -1,
    "bottom": -1, "middle": 0}
NUMBER_WORDS: dict[str, int] = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                                "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
REF_NOUNS = frozenset({"one", "ones", "movie", "movies", "film", "films", "pick", "picks",
                       "suggestion", "option", "title", "recommendation", "rec", "choice"})
