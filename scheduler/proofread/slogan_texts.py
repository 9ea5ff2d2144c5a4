"""The slogan texts of a slogans.yaml: each `text:` scalar with its value, NFC form and file positions."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from scheduler.proofread.normalisation import nfc_map
from scheduler.proofread.source_map import Lines, SourceMap, source_map


@dataclass
class SloganText:
    node: yaml.ScalarNode
    smap: SourceMap | None
    raw: str  # the value as YAML reads it
    nfc: str
    n2r: list[int]  # NFC index -> raw index (len(nfc) + 1 entries)
    lines: Lines

    def position(self, nfc_index: int) -> tuple[int, int]:
        """(line, column) in the file of the character at an offset of the NFC form."""
        raw_index = self.n2r[min(max(nfc_index, 0), len(self.n2r) - 1)]
        return self.raw_position(raw_index)

    def raw_position(self, raw_index: int) -> tuple[int, int]:
        """(line, column) in the file of the character at an offset of the value."""
        smap = self.smap
        if smap is None or not smap.starts:
            return self._fallback()
        if raw_index >= len(smap.starts):
            return self.lines.position(smap.ends[-1])
        return self.lines.position(smap.starts[max(raw_index, 0)])

    def _fallback(self) -> tuple[int, int]:
        """The start of the value, when its characters could not be mapped."""
        mark = self.node.start_mark
        if self.node.style in ("|", ">"):
            return self.lines.position(self.lines.starts[min(mark.line + 1, len(self.lines.starts) - 1)])
        return mark.line + 1, mark.column + 1 + (1 if self.node.style in ("'", '"') else 0)


def compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def text_nodes(root: yaml.Node | None) -> list[tuple[yaml.ScalarNode, int]]:
    """Every slogan's `text` scalar (enabled or not) with the column of its key, in file order."""
    found: list[tuple[yaml.ScalarNode, int]] = []
    if not isinstance(root, yaml.MappingNode):
        return found
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "slogans" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                node = _text_node(item)
                if node is not None:
                    found.append(node)
    return found


def _text_node(item: yaml.Node) -> tuple[yaml.ScalarNode, int] | None:
    if not isinstance(item, yaml.MappingNode):
        return None
    for k, v in item.value:
        if (
            isinstance(k, yaml.ScalarNode)
            and k.value == "text"
            and isinstance(v, yaml.ScalarNode)
            and v.tag == "tag:yaml.org,2002:str"
        ):
            return v, k.start_mark.column
    return None


def text_values(text: str) -> list[str]:
    """The value of every slogan text, as PyYAML reads the file; [] when it does not parse."""
    return [str(node.value) for node, _ in text_nodes(compose(text))]


def slogan_texts(text: str) -> list[SloganText] | None:
    """Every slogan text of the file; None when the YAML does not parse."""
    root = compose(text)
    if root is None:
        return None
    lines = Lines(text)
    out: list[SloganText] = []
    for node, key_column in text_nodes(root):
        raw = str(node.value)
        nfc, n2r = nfc_map(raw)
        out.append(SloganText(node, source_map(text, node, key_column), raw, nfc, n2r, lines))
    return out
