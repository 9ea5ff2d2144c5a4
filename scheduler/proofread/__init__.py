"""Vietnamese proofreading of slogans.yaml for `danvan check` (and the safe repairs of `danvan check --fix`).

Every `text:` of every slogan (enabled or not) is checked, and each finding points at the exact line and column
of the offending character in the file. Rules and severities (ids are stable; messages are Vietnamese), and the
module of each family:

encoding (encoding.py; the text must be fixed before anything else is checked in it):
  encoding-tcvn3, encoding-vni, encoding-cp1258, encoding-utf8-mojibake   error  legacy-font or wrong-code-page text,
                                                                             with the decoded text proposed
  encoding-html-entity        error    "Ng&agrave;y": the character is proposed
  encoding-replacement-char   error    U+FFFD: a letter was lost for good
  encoding-control-char       error    invisible control/format characters (C0/C1 controls, soft hyphen, zero-width)
  encoding-homoglyph          error    'Ð' (U+00D0, Icelandic eth) or 'ð' used for 'Đ'/'đ'
  encoding-nfd                warning  decomposed Unicode (NFD); normalised for rendering, the file should be fixed
  encoding-mixed-normalisation warning partly decomposed Unicode (e.g. Unikey "Unicode tổ hợp")
spelling (spelling.py, with word_shapes.py and known_words.py):
  spelling                    error    a word with Vietnamese letters or marks that no syllable can have, or with no
                                       vowel at all ('tng'; a lone letter is a label: "điểm b")
  spelling                    warning  an unknown Latin word shaped like a Vietnamese syllable typed wrong, or a marked
                                       word inside a name; a plausible foreign word, a name (a run of capitalised
                                       words), an ethnic group's name, a loanword or a unit after a number: nothing
  spelling-no-diacritics      error    a whole text typed without Vietnamese diacritics
  tone-placement              error    a tone mark where neither style puts it (hòan, qúa, gìa)
  tone-style-mixed            warning  once per file: old (hòa) and new (hoà) placements mixed
lookalikes (lookalikes.py, reported as encoding-homoglyph, error): a Cyrillic or Greek letter (also one carrying a
  mark, 'ӑ') inside a Latin word, named with its script; `--fix` puts the Latin letter back
repetition (repetition.py):
  repeated-word               warning  the same word twice in a row ("các các"), except intended reduplications
                                       ("ngày ngày", "đoàn kết, đoàn kết") and a syllable ending one word and starting
                                       the next ("hành vi vi phạm")
real words (realword.py and realword_runs.py, table data/bigrams.tsv.gz, runs of words and numbers word_runs.py;
known names name_slips.py with data/names.txt):
  real-word                   warning  a syllable pair never seen, one edit from a frequent pair ("lãnh đọa", "Hội
                                       dồng", "công tá"); a word never seen beside a number, one edit from a word
                                       numbers take ("9 thán", "quỳ III"); a word its neighbours contradict, one
                                       edit from one they were seen with ("nghệ nhân dến từ"); a known name one
                                       letter or tone off ("tỉnh Bắc Gian"); naming the likely word
punctuation (punctuation.py; warnings, except unbalanced brackets/quotes: an error, since no correct text has them):
  punct-space-before, punct-space-after, punct-space-inside-brackets, punct-double-space, punct-space-edge,
  punct-mixed-quotes (warnings); punct-unbalanced (error)
numbers (dates.py):
  anniversary-mismatch        error    "kỷ niệm 137 năm … (01/5/1886 - 01/5/2022)": 2022 - 1886 = 136
  date-invalid                error    31/02/2021
names (names.py):
  capitalisation              warning  fixed names with the wrong capitals ("Đảng cộng sản Việt Nam")

Decisions (research: shared/research/vietnamese-orthography.md §2-§4): en dashes in date ranges, a missing final
"!", a lower-case first letter (quotations), "Cộng hòa Xã hội chủ nghĩa" and d/m vs dd/mm dates are not reported:
they occur in correct official texts. Style-only deviations are warnings; what no correct text can contain is an
error.

The other modules: lint.py runs the rules; fix.py (with repairs.py and write_back.py) is `--fix`; slogan_texts.py,
source_map.py and normalisation.py locate a value's characters in the file; tokens.py decides which tokens are
words; syllables.py and legacy_encodings.py know Vietnamese syllables and the legacy encodings.
"""

from scheduler.proofread.finding import Finding
from scheduler.proofread.fix import Fix, fix_slogan_file
from scheduler.proofread.lint import lint_slogan_file, lint_text
from scheduler.proofread.names import FIXED_NAMES

__all__ = ["FIXED_NAMES", "Finding", "Fix", "fix_slogan_file", "lint_slogan_file", "lint_text"]
