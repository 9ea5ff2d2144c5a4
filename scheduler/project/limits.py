"""How big an input file, a value and a slogan may be: one definition of each limit, with the reason for it.

The daemon re-checks both files on every save, so a hostile or broken file must be refused in seconds and
in bounded memory (20,000 aliases of a 2,600-character slogan used to take 190 s and 7 GB). Each limit
is far above anything an officer writes, and each is checked before the costly work (proofreading,
card fitting) sees the text.
"""

from __future__ import annotations

# The shipped slogans.yaml (14 slogans) is 5 KB, config.example.yaml 2 KB, and a config with 300
# channels about 60 KB: 1 MB is some 200 times a real campaign file. The worst file under it (about
# 800 distinct slogans of 1,000 characters) is checked in about 13 s on one core, most of it fitting
# each text to its card (measured); 2 MB would double that for no real file.
MAX_FILE_BYTES = 1024 * 1024

# The default 1080x1080 card holds about 550 characters at its smallest readable size (1200x630 and
# 960x720 about 340); Zalo cuts titles at 150 and descriptions at 300. The longest shipped slogan has
# 129 characters. A card cannot show more than 1,000 characters anyway; the cards room may share this.
MAX_SLOGAN_CHARS = 1000

# Any other single value (a key, a URL, a token pasted into the file, a note): ten times a slogan.
MAX_SCALAR_CHARS = 10_000

# Aliases (*name) repeat what an anchor (&name) holds. Counting one per node plus one per character of
# text, the file as the program sees it after every alias is repeated may not grow past what a 1 MB
# file could hold written out. A card design shared by 300 channels uses about a tenth of it.
MAX_EXPANDED_SIZE = 1_000_000
