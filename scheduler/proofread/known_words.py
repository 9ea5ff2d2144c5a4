"""Words that are right in Vietnamese text although they are not native syllables: the names of Vietnam's 54
ethnic groups and their usual spellings, loanwords in standard press and administrative use, and unit symbols
(accepted only right after a number)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

# package data, read as plain files: importlib.resources costs a tenth of a second to start, more than the read
DATA_DIR = Path(__file__).resolve().parent / "data"

# The 54 ethnic groups (Danh mục các dân tộc Việt Nam, QĐ 121-TCTK/PPCĐ 1979) with the spellings in common use
# (Ê Đê / Ê-đê, Ba Na / Bahnar, Gia Rai / Jrai, Hmông / H'Mông, M'Nông / Mnông, Xtiêng / Stiêng, ...), and the
# Tây Nguyên place-name words that go with them. Each syllable is a word here: names are split on spaces and
# hyphens before checking.
_ETHNIC = """
kinh tày thái mường khơme khmer khơ me hoa nùng hmông mông mèo dao giarai jrai gia rai êđê ê đê rađê bana bahnar
ba na xơđăng xơ đăng sán chay cao lan cơho kơho koho cơ ho chăm chàm sán dìu hrê mnông mnong m nông raglai
ra glai rắc lây xtiêng stiêng x tiêng bru vân kiều thổ giáy cơtu katu cơ tu gié triêng giẻ triêng mạ khơmú khmú
khơ mú kho mú co tà ôi taôi tàôi chơro chơ ro kháng xinh mun hà nhì churu chu ru lào la chí la ha phù lá la hủ
lự lô lô chứt mảng pà thẻn cơ lao cống bố y si la pu péo brâu bơrâu ơ đu rơ măm romam ngái hơrê êđê
ea h'leo hleo đắk đăk lắk lăk krông buôn ma thuột pleiku kon tum plông ksor niê vêng chamaléa y jút ayun pa
"""
ETHNIC_WORDS = frozenset(_ETHNIC.split())

# Loanwords written as in the source language in standard Vietnamese press and administrative text (research
# note §2.2, hunspell-vi's own list, and the press usage named in issue 14).
_LOANWORDS = """
covid internet intranet email e-mail web website online offline gen ka karaoke tivi ti vi gram zalo facebook youtube
tiktok google twitter video clip camera laptop smartphone app wifi wi-fi fanpage hotline livestream startup logo
marketing festival game show container robot virus vaccine vắcxin vắc xin radio piano golf tennis
sandwich pizza menu model media blog chat top pop rap set chip nick click like share post selfie online taxi
ôtô mô tô xcơ lênin ăngghen mác-lênin mátxcơva oxy gas ga sport marathon teen fan idol album single stress
mililít mililit lít kilôgam kilômét kilômet xentimét centimét milimét mét kilôoát kilôvôn ampe vôn oát héc-ta
axít axit kiốt ki-ốt blốc balô ôxy ôxi ximăng xăngđan sôcôla amôniắc glucô canxi kali natri iốt clo bazơ
catốt anốt pênalti gara ampli micrô rađiô phim clip xcút ôpêra matxcơva mátxcơva
"""
LOANWORDS = frozenset(_LOANWORDS.split())

# Unit symbols, accepted right after a number ("5 km", "20 ha", "100 USD", "30 %").
_UNITS = """
km m cm mm µm nm dm ha km2 m2 m3 cm2 cm3 kg g mg tấn tạ yến l ml lít kw kwh mw mwh gw gwh w wh v kv a mah
hz khz mhz ghz kb mb gb tb byte bit bps kbps mbps gbps °c độ usd vnđ vnd đồng eur euro yên tỷ triệu nghìn ngàn
% ‰ h ph s km/h m/s người hộ con cái chiếc lần năm tháng ngày giờ phút giây
"""
UNITS = frozenset(_UNITS.split())


@cache
def listed_names() -> tuple[str, ...]:
    """The names of data/names.txt (provinces, regions, places, leaders), one a line."""
    text = (DATA_DIR / "names.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and line[0] != "#")


@cache
def name_syllables() -> frozenset[str]:
    """The lower-cased syllables of the listed names: "bắc" (Bắc Giang, Bắc Bộ) written with a capital inside a
    sentence is a name, not a title-case term ("Giám đốc")."""
    return frozenset(w.lower() for name in listed_names() for w in name.split())
