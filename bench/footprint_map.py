"""Read a GNU ld map file: how many bytes of each output section every input file
occupies in the image, after --gc-sections. Used by bench/footprint.

Merged strings: the linker keeps one copy of a string that several .rodata.*.str1.*
sections hold (and a string that is the tail of another is kept inside it). The map
still lists every such section, and the size it prints for one whose strings all went
elsewhere is not 0 (ld 2.40 prints the raw size, or another section's): such a section
sits at the address of the next one. So a section's bytes here are what it occupies,
its listed size cut at the next item's address: a shared string counts once, for the
object whose copy the linker kept. What the map lists beyond that is `listed - size`.

Python standard library only.
"""

import re
from collections import defaultdict, namedtuple

# Output sections of the firmware's linker script and what they cost.
FLASH_SECTIONS = (".text", ".rodata", ".ARM.exidx")
SECTIONS = (".text", ".rodata", ".data", ".bss")

# Which component an input file belongs to, by the archive or object it came from.
COMPONENTS = (
    ("core", re.compile(r"libdbtok_core\.a\(")),
    ("port", re.compile(r"libdbtok_(baremetal|uart_cmsdk|freestanding|bm_psa_rng|lwip)\.a\(")),
    ("lwIP", re.compile(r"libdbtok_lwipcore\.a\(")),
    ("mbedTLS", re.compile(r"libdbtok_mbedtls\.a\(|memory_buffer_alloc\.c\.obj")),
    ("libgcc", re.compile(r"libgcc\.a\(")),
    ("firmware", re.compile(r"/dbtok_fw[a-z_]*\.dir/|dbtok_fw_measure_alloc")),
)

# One input section in the image: `size` is the bytes it occupies, `listed` what the
# map prints for it (more than `size` only for strings merged into another section).
Placed = namedtuple("Placed", "output section source size listed")

_OUTPUT = re.compile(r"^(\.\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)")
_OUTPUT_NAME = re.compile(r"^(\.\S+)$")
_ADDR_SIZE = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s*$")
_INPUT_FULL = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_INPUT_NAME = re.compile(r"^ (\S+)$")
_INPUT_REST = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_FILL = re.compile(r"^ \*fill\*\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)")


def component_of(source):
    for name, pattern in COMPONENTS:
        if pattern.search(source):
            return name
    return "other"


def object_of(source):
    """'path/libdbtok_core.a(json.c.obj)' -> 'json.c', 'path/main.c.obj' -> 'main.c'."""
    m = re.search(r"\(([^)]+)\)$", source)
    name = m.group(1) if m else source.rsplit("/", 1)[-1]
    return re.sub(r"\.(obj|o)$", "", name)


def _read_items(lines):
    """{output: (address, size)} and, in map order, (output, input_section, source,
    address, listed_size); fill is an item with source None."""
    outputs = {}
    items = []
    output = None
    long_output = None  # an output section whose name took a line of its own
    pending = None  # the same for an input section
    for line in lines:
        if long_output is not None:
            m = _ADDR_SIZE.match(line)
            name, long_output = long_output, None
            if m:
                output = name
                outputs[output] = (int(m.group(1), 16), int(m.group(2), 16))
                continue
        m = _OUTPUT.match(line)
        if m:
            output, pending = m.group(1), None
            outputs[output] = (int(m.group(2), 16), int(m.group(3), 16))
            continue
        m = _OUTPUT_NAME.match(line)
        if m:
            long_output, pending = m.group(1), None
            continue
        if output is None:
            continue
        m = _FILL.match(line)
        if m:
            items.append((output, "*fill*", None, int(m.group(1), 16), int(m.group(2), 16)))
            pending = None
            continue
        if line.startswith(" *"):  # an input pattern of the linker script
            continue
        m = _INPUT_FULL.match(line)
        if m:
            items.append((output, m.group(1), m.group(4).strip(),
                          int(m.group(2), 16), int(m.group(3), 16)))
            pending = None
            continue
        m = _INPUT_NAME.match(line)
        if m:
            pending = m.group(1)
            continue
        m = _INPUT_REST.match(line)
        if m and pending is not None:
            items.append((output, pending, m.group(3).strip(),
                          int(m.group(1), 16), int(m.group(2), 16)))
        pending = None
    return outputs, items


def parse(path):
    """Returns (placed, outputs): a Placed for every input section in the image (the
    discarded ones and fill left out) and {output_section: size} as linked."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    try:
        start = lines.index("Linker script and memory map")
    except ValueError:
        raise SystemExit("%s: not a GNU ld map file" % path)
    spans, items = _read_items(lines[start + 1:])
    placed = []
    for i, (output, section, source, address, listed) in enumerate(items):
        if source is None:
            continue
        # An item ends where the next one of its output section begins: that cuts a
        # merged-away string section (listed at the next one's address) to nothing.
        if i + 1 < len(items) and items[i + 1][0] == output:
            bound = items[i + 1][3]
        else:
            bound = sum(spans[output])
        size = max(0, min(listed, bound - address))
        placed.append(Placed(output, section, source, size, listed))
    return placed, {name: size for name, (_, size) in spans.items()}


def padding(placed, outputs):
    """{output_section: bytes of it that no input section occupies} (alignment fill)."""
    used = defaultdict(int)
    for p in placed:
        used[p.output] += p.size
    return {name: outputs[name] - used[name] for name in outputs}


def merged_away(placed):
    """{output_section: bytes the map lists for input sections beyond what they occupy}:
    what summing the listed sizes would count twice."""
    extra = defaultdict(int)
    for p in placed:
        extra[p.output] += p.listed - p.size
    return extra


def by_component(placed):
    """{component: {section: bytes}}; .ARM.exidx counts as .rodata (read-only data)."""
    table = defaultdict(lambda: defaultdict(int))
    for p in placed:
        section = ".rodata" if p.output == ".ARM.exidx" else p.output
        if section in SECTIONS:
            table[component_of(p.source)][section] += p.size
    return table


def by_object(placed, component):
    table = defaultdict(lambda: defaultdict(int))
    for p in placed:
        if component_of(p.source) == component and p.output in SECTIONS:
            table[object_of(p.source)][p.output] += p.size
    return table


def largest_functions(placed, component, count):
    sizes = [(p.size, p.section.split(".", 2)[-1], object_of(p.source))
             for p in placed
             if component_of(p.source) == component and p.output in (".text", ".rodata")]
    return sorted(sizes, reverse=True)[:count]
