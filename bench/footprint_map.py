"""Read a GNU ld map file: how many bytes of each output section every input file
contributed, after --gc-sections. Used by bench/footprint.

Python standard library only.
"""

import re
from collections import defaultdict

# Output sections of the firmware's linker script and what they cost.
FLASH_SECTIONS = (".text", ".rodata", ".ARM.exidx")
SECTIONS = (".text", ".rodata", ".data", ".bss")

# Which component an input file belongs to, by the archive or object it came from.
COMPONENTS = (
    ("core", re.compile(r"libdbtok_core\.a\(")),
    ("port", re.compile(r"libdbtok_(baremetal|uart_cmsdk|freestanding)\.a\(")),
    ("mbedTLS", re.compile(r"libdbtok_mbedtls\.a\(|memory_buffer_alloc\.c\.obj")),
    ("libgcc", re.compile(r"libgcc\.a\(")),
    ("firmware", re.compile(r"/dbtok_fw[a-z_]*\.dir/|dbtok_fw_measure_alloc")),
)

_OUTPUT = re.compile(r"^(\.\S+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)")
_INPUT_FULL = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_INPUT_NAME = re.compile(r"^ (\S+)$")
_INPUT_REST = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")


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


def parse(path):
    """Returns (placed, outputs): a list of (output_section, input_section, source, size)
    for every input section placed in the image, skipping the discarded ones and fill;
    and {output_section: size} as linked. The inputs of a section can add up to more
    than its size: the linker merges identical strings from different objects."""
    placed = []
    outputs = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    try:
        start = lines.index("Linker script and memory map")
    except ValueError:
        raise SystemExit("%s: not a GNU ld map file" % path)
    output = None
    pending = None
    for line in lines[start + 1:]:
        m = _OUTPUT.match(line)
        if m:
            output = m.group(1)
            outputs[output] = int(m.group(2), 16)
            pending = None
            continue
        if output is None or line.startswith(" *"):
            continue
        m = _INPUT_FULL.match(line)
        if m:
            placed.append((output, m.group(1), m.group(4).strip(), int(m.group(3), 16)))
            pending = None
            continue
        m = _INPUT_NAME.match(line)
        if m:
            pending = m.group(1)
            continue
        m = _INPUT_REST.match(line)
        if m and pending is not None:
            placed.append((output, pending, m.group(3).strip(), int(m.group(2), 16)))
        pending = None
    return placed, outputs


def by_component(placed):
    """{component: {section: bytes}}; .ARM.exidx counts as .rodata (read-only data)."""
    table = defaultdict(lambda: defaultdict(int))
    for output, _, source, size in placed:
        section = ".rodata" if output == ".ARM.exidx" else output
        if section in SECTIONS:
            table[component_of(source)][section] += size
    return table


def by_object(placed, component):
    table = defaultdict(lambda: defaultdict(int))
    for output, _, source, size in placed:
        if component_of(source) == component and output in SECTIONS:
            table[object_of(source)][output] += size
    return table


def largest_functions(placed, component, count):
    sizes = [(size, section.split(".", 2)[-1], object_of(source))
             for output, section, source, size in placed
             if component_of(source) == component and output in (".text", ".rodata")]
    return sorted(sizes, reverse=True)[:count]
