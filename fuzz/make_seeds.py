#!/usr/bin/env python3
"""Writes the binary seed corpora (decode, table_index, state_file) in the
encodings their harnesses read; the text seeds (csv, XML) are kept as files.
Run from anywhere: python3 fuzz/make_seeds.py"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = {"int": 0, "str": 1, "oid": 2, "c32": 3, "g32": 4, "tt": 5, "c64": 6,
         "nosuchobj": 7, "nosuchinst": 8, "end": 9, "other": 10}


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- decode: see NextVarBind in decode_fuzzer.cc ----
def vb(table, column, index, type_, integer=0, unsigned=0, octets=b"", date=None):
    shape = {"device": 0, "daily": 1, "item": 2, "agent": 3}[table]
    out = b""
    if index > 3:
        shape |= 0x20
    if date is not None:
        shape |= 0x10 | 0x08
    out += bytes([shape, column])
    out += struct.pack(">I", index) if index > 3 else bytes([index])
    if date is not None:
        out += struct.pack(">I", date)
    kind = TYPES[type_] | 0x10 | 0x20 | (0x40 if len(octets) > 16 else 0)
    out += bytes([kind]) + struct.pack(">q", integer) + struct.pack(">Q", unsigned)
    out += bytes([len(octets)]) + octets
    return out


def device(index, serial, extra=b""):
    return (vb("device", 2, index, "int", integer=2) +
            vb("device", 3, index, "str", octets="ストレージ".encode()) +
            vb("device", 6, index, "str", octets=serial) +
            vb("device", 8, index, "str", octets=b"2.4.1") +
            vb("device", 9, index, "c64", unsigned=1 << 40) +
            vb("device", 11, index, "str", octets=b"\x07\xe9\x04\x01\x00\x00\x00\x00") +
            vb("device", 15, index, "c64", unsigned=1 << 39) +
            vb("device", 19, index, "c64", unsigned=2**64 - 1) +
            vb("device", 21, index, "int", integer=1) +
            vb("device", 22, index, "str", octets=b"ok") + extra)


def daily(index, date, peak):
    return (vb("daily", 2, index, "g32", unsigned=peak, date=date) +
            vb("daily", 3, index, "g32", unsigned=peak * 50, date=date) +
            vb("daily", 5, index, "g32", unsigned=8640, date=date))


write("decode", "two_devices", device(1, b"SN1") + device(7, b"SN7") +
      daily(1, 20261120, 50) + daily(1, 20261121, 70))
write("decode", "no_serial", vb("device", 2, 3, "int", integer=5))
write("decode", "max_index_long_text",
      device(0xFFFFFFFF, b"S" * 255, vb("device", 4, 0xFFFFFFFF, "str", octets=b"\xff" * 200)))
write("decode", "item_and_exceptions",
      device(2, b"SN2") + vb("item", 2, 2, "str", octets=b"x") +
      vb("device", 15, 2, "nosuchinst") + vb("device", 9, 2, "end"))

# ---- table_index: see LLVMFuzzerTestOneInput in table_index_fuzzer.cc ----
def arcs(*values):
    out = b""
    for v in values:
        out += bytes([v]) if v < 0xF0 else b"\xf0" + struct.pack(">I", v)
    return out


GET, NEXT = 0, 1
DEV, DAY, ITEM, AGENT = 1 << 1, 2 << 1, 3 << 1, 0
write("table_index", "get_device_serial", bytes([GET | DEV, 6]) + arcs(1))
write("table_index", "next_device_table", bytes([NEXT | DEV, 0]))
write("table_index", "get_daily_row", bytes([GET | DAY, 2]) + arcs(1, 20260102))
write("table_index", "next_daily_max", bytes([NEXT | DAY, 5]) + arcs(0xFFFFFFFF, 0xFFFFFFFF))
write("table_index", "get_item_site", bytes([GET | ITEM, 2]) + arcs(1, *b"site"))
write("table_index", "next_item_prefix", bytes([NEXT | ITEM, 3]) + arcs(7, *b"nic"))
write("table_index", "get_item_bad_char", bytes([GET | ITEM, 2]) + arcs(1, 300, 0xFFFFFFFF))
write("table_index", "get_agent_scalar", bytes([GET | AGENT | 0x10]) + arcs(1, 0))

# ---- state_file: byte 0 = mode (bit 0: append checksum, bit 1: prepend magic) ----
STATE = b"""device 1 x534e31
alarm 1
totals 1 123456 987654321
baseline 1767225600 2
bd x736461 100 2000
bd x736462 5 80
gone x736463 7 9
day 20260101 5 50 10 100 1
day 20260102 7 70 10 200 1
today 20260103 9 90 10 300 1
end-device
device 2 x
alarm 0
totals 0 0 0
baseline 0 0
today 0 0 0 0 0 0
end-device
"""
write("state_file", "two_devices", b"\x03" + STATE)
write("state_file", "unknown_device", b"\x03device 9 x41\nalarm 0\ntotals 0 0 0\n"
      b"baseline 0 0\ntoday 20260103 0 0 0 0 0\nend-device\n")
write("state_file", "bad_checksum", b"\x00periscope-subagent-state 1\nchecksum 0000000000000000\n")
write("state_file", "days_out_of_order", b"\x03device 1 x534e31\nday 20260102 1 1 1 1 1\n"
      b"day 20260101 1 1 1 1 1\nend-device\n")


# ---- peripheral_decode: see NextVarBind in peripheral_decode_fuzzer.cc ----
# Column numbers are positions in the plans' columns (printer, host, network).
P_SYSDESCR, P_UPTIME, P_HRDESCR, P_PRTSERIAL = 0, 1, 2, 8
P_MARKER_UNIT, P_MARKER_LIFE = 9, 10
P_INPUT_MAX, P_INPUT_LEVEL, P_INPUT_NAME = 13, 14, 16
P_SUP_TYPE, P_SUP_DESCR, P_SUP_UNIT, P_SUP_MAX, P_SUP_LEVEL = 18, 19, 20, 21, 22
P_ALERT_SEV, P_ALERT_CODE = 23, 26
H_STOR_TYPE, H_STOR_DESCR, H_STOR_UNITS, H_STOR_SIZE, H_STOR_USED, H_LOAD = 30, 31, 32, 33, 34, 35
N_IFNAME, N_HCIN, N_HCOUT, N_HIGHSPEED, N_IFDESCR, N_IFSPEED, N_IN = 43, 44, 45, 46, 47, 48, 49


def pvb(column, arcs, type_, integer=0, unsigned=0, octets=b"", storage_type=None):
    shape = 0
    first = arcs[0]
    if first > 3:
        shape |= 0x80
    if len(arcs) > 1:
        shape |= 0x40
    if type_ == "oid" and storage_type is None:
        shape |= 0x08
    out = bytes([shape, column])
    out += struct.pack(">I", first) if first > 3 else bytes([first])
    if len(arcs) > 1:
        out += bytes([arcs[1]])
    kind = TYPES[type_] | 0x70 | (0x80 if integer < 0 else 0)
    out += bytes([kind]) + struct.pack(">I", abs(integer)) + struct.pack(">Q", unsigned)
    if type_ == "oid" and storage_type is not None:
        out += bytes([storage_type])
    else:
        out += bytes([len(octets)]) + octets
    return out


write("peripheral_decode", "printer", b"\x00" +
      pvb(P_SYSDESCR, [0], "str", octets=b"ACME LaserJet") +
      pvb(P_UPTIME, [0], "tt", unsigned=1234) +
      pvb(P_HRDESCR, [1], "str", octets=b"ACME LJ 4000") +
      pvb(P_PRTSERIAL, [1], "str", octets=b"SN1") +
      pvb(P_MARKER_UNIT, [1, 1], "int", integer=7) +
      pvb(P_MARKER_LIFE, [1, 1], "c32", unsigned=98765) +
      pvb(P_INPUT_MAX, [1, 2], "int", integer=500) +
      pvb(P_INPUT_LEVEL, [1, 2], "int", integer=-3) +
      pvb(P_INPUT_NAME, [1, 2], "str", octets=b"Tray 2") +
      pvb(P_SUP_TYPE, [1, 1], "int", integer=3) +
      pvb(P_SUP_DESCR, [1, 1], "str", octets=b"Black Toner") +
      pvb(P_SUP_UNIT, [1, 1], "int", integer=19) +
      pvb(P_SUP_MAX, [1, 1], "int", integer=100) +
      pvb(P_SUP_LEVEL, [1, 1], "int", integer=42) +
      pvb(P_ALERT_SEV, [1, 5], "int", integer=4) +
      pvb(P_ALERT_CODE, [1, 5], "int", integer=807))
write("peripheral_decode", "host", b"\x01" +
      pvb(P_SYSDESCR + 28, [0], "str", octets=b"Linux pc1") +
      pvb(H_STOR_TYPE, [1], "oid", storage_type=4) +
      pvb(H_STOR_DESCR, [1], "str", octets=b"/") +
      pvb(H_STOR_UNITS, [1], "int", integer=4096) +
      pvb(H_STOR_SIZE, [1], "int", integer=1000000) +
      pvb(H_STOR_USED, [1], "int", integer=250000) +
      pvb(H_STOR_TYPE, [2], "oid", storage_type=2) +
      pvb(H_STOR_DESCR, [2], "str", octets=b"/") +
      pvb(H_STOR_UNITS, [2], "int", integer=1024) +
      pvb(H_STOR_SIZE, [2], "int", integer=100) +
      pvb(H_STOR_USED, [2], "int", integer=101) +
      pvb(H_LOAD, [196608], "int", integer=12) +
      pvb(H_LOAD, [196609], "str", octets=b"50"))
write("peripheral_decode", "network", b"\x02" +
      pvb(N_IFNAME, [1], "str", octets=b"Gi0/1") +
      pvb(N_HCIN, [1], "c64", unsigned=5000000000) +
      pvb(N_HCOUT, [1], "c64", unsigned=7000000000) +
      pvb(N_HIGHSPEED, [1], "g32", unsigned=1000) +
      pvb(N_IFDESCR, [2], "str", octets=b"Gi0/1") +
      pvb(N_IFSPEED, [2], "g32", unsigned=4294967295) +
      pvb(N_IN, [2], "c32", unsigned=12345))
