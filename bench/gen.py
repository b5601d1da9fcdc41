"""Deterministic generators of benchmark inputs: procurement catalogs (CSV) and device records (JSONL).

Everything is drawn from a seeded :class:`random.Random`, so the same arguments always give the same
bytes. Nothing here imports trueoem: the inputs do not depend on the code under test.

* :func:`write_catalog` writes a catalog CSV (Line, Manufacturer, Model Number, Description, FCC ID, MAC,
  Unit Price, Qty, Contract). Product lines come from a pool of a few thousand products (covered brands,
  white-label resellers of covered makers, non-covered brands, brands the KB does not know), drawn with a
  skewed (Zipf-like) popularity, as real catalogs repeat their best sellers. Line, price, qty and contract are
  unique per row, and so is the MAC: a fixed set of real OUI prefixes with random low bytes. With
  ``distinct=True`` every row is a product of its own (the worst case for any memoisation).
* :func:`write_records` writes mixed observation records in the ``trueoem attribute`` JSON Lines format:
  ``{"id", "protocol", "raw"}`` and ``{"id", "observations": [...]}``, over http, isapi_deviceinfo,
  dahua_cgi, onvif_device_information, ws_discovery, ssdp_description, rtsp, tls_cert, sadp, dhip,
  banner_other, mac, model_string and firmware_string. Responses vary per record (dates, nonces, serial
  numbers, MACs, IPs, sequence numbers), so they do not repeat verbatim.

Model numbers follow the grammars of /work/shared/docs/FACTS.md section 8 and the KB rule packs.

Run as a script to write files::

    python bench/gen.py catalog OUT.csv --rows 1000000 [--distinct] [--seed N]
    python bench/gen.py records OUT.jsonl --records 200000 [--seed N]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import string
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

SEED = 889
POOL_SIZE = 3000

R = random.Random
UP = string.ascii_uppercase
HEXD = "0123456789abcdef"


def _d(rng: R, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _c(rng: R, *options: str) -> str:
    return rng.choice(options)


def _hex(rng: R, n: int) -> str:
    return "".join(rng.choice(HEXD) for _ in range(n))


def _alnum(rng: R, n: int) -> str:
    return "".join(rng.choice(UP + "0123456789") for _ in range(n))


# --- OUI prefixes (real registrations, checked against the IEEE registry snapshot) -------------------

OUIS: dict[str, tuple[str, ...]] = {
    "hikvision": (
        "4419B6",
        "54C415",
        "C056E3",
        "BCAD28",
        "1868CB",
        "2857BE",
        "A41437",
        "C42F90",
        "50E538",
        "988B0A",
        "4447CC",
        "BC5E33",
        "0C75D2",
    ),
    "dahua": ("3CEF8C", "9002A9", "E0508B", "4C11BF", "A0BD1D", "14A78B", "38AF29", "74C929"),
    "huawei": ("E00630", "D8DAF1", "54443B", "5C7075", "782DAD", "D06158", "244BF1", "F0A0B1"),
    "zte": ("F01B24", "90C710", "98EE8C", "DC5193", "F42E48", "203AEB"),
    "hytera": ("6469BC", "9C066E"),
    "amcrest": ("00651E", "9C8ECD", "A06032"),
    "axis": ("B8A44F", "00408C", "E82725", "ACCC8E"),
    "bosch": ("483133", "44D77E", "106650", "A85B6C"),
    "hanwha": ("E43022",),
    "ubiquiti": ("F09FC2", "802AA8", "788A20", "7483C2", "E063DA"),
    "cisco": ("E80AB9", "481BA4", "6C03B5", "908855"),
    "tp-link": ("68DDB7", "14D864", "AC84C6", "6CB158"),
    "vivotek": ("0002D1",),
    "sony": ("AC800A", "D4389C", "001963"),
    "uniview": ("6CF17E", "48EA63", "C47905"),
    "reolink": ("EC71DB",),
    "synology": ("9009D0", "001132"),
    "netgear": ("9CC9EB", "3894ED", "100C6B"),
    "milesight": ("1CC316", "24E124"),
    "mobotix": ("0003C5",),
    "module": ("10061C", "D48AFC", "E465B8", "00E04C"),  # Wi-Fi / Ethernet module vendors
}


def mac_text(rng: R, oui: str) -> str:
    """A MAC in the OUI block with random low bytes, in one of the common spellings."""
    h = oui + _hex(rng, 6).upper()
    style = rng.random()
    if style < 0.55:
        return ":".join(h[i : i + 2] for i in range(0, 12, 2))
    if style < 0.75:
        return "-".join(h[i : i + 2] for i in range(0, 12, 2)).lower()
    if style < 0.9:
        return ".".join(h[i : i + 4] for i in range(0, 12, 4)).lower()
    return h


# --- model-number grammars -------------------------------------------------------------------------


def hik_ipc(r: R) -> str:
    return (
        _c(r, "", "", "", "i")
        + "DS-2C"
        + _c(r, "D", "D", "D", "V")
        + _c(r, "2", "2", "3", "5", "6", "7")
        + _d(r, 2)
        + _c(r, "3", "5", "6", "7")
        + _c(r, "G0", "G1", "G2", "FWD", "F", "G2P")
        + "-"
        + _c(r, "I", "IS", "IZS", "LI", "LIU", "IWF", "IU", "LISU/SL")
        + _c(r, "", "", "", "(2.8mm)", "(4mm)", "(C)")
    )


def hik_analog(r: R) -> str:
    return (
        "DS-2CE"
        + _c(r, "16", "17", "12", "56", "57", "76", "78")
        + _c(r, "D0T", "H0T", "HFT", "D8T", "K0T")
        + "-"
        + _c(r, "IPF", "IT3F", "ITPF", "F", "EXIPF", "LFS")
    )


def hik_ptz(r: R) -> str:
    return (
        "DS-2D"
        + _c(r, "E", "E", "F")
        + _c(r, "2", "4", "5", "7")
        + _c(r, "", "A")
        + _c(r, "2", "4")
        + _c(r, "15", "25", "32", "36")
        + _c(r, "IW", "IX", "IWG")
        + "-"
        + _c(r, "DE", "AE", "AEB", "AELW", "DE(S5)")
    )


def hik_thermal(r: R) -> str:
    return (
        "DS-2TD"
        + _c(r, "1217", "2617", "2138", "2636B", "1117", "2167")
        + "-"
        + _c(r, "10", "13", "15", "35", "3")
        + _c(r, "/P", "/QY", "/PA", "")
    )


def hik_nvr(r: R) -> str:
    return (
        _c(r, "", "", "i")
        + "DS-"
        + _c(r, "76", "77", "96", "7P", "86")
        + _c(r, "04", "08", "16", "32", "64")
        + "NI-"
        + _c(r, "K1", "K2", "I2", "I4", "Q1", "M4", "K4")
        + _c(r, "", "/4P", "/8P", "/16P")
    )


def hik_dvr(r: R) -> str:
    return (
        "DS-7"
        + _c(r, "1", "2", "3")
        + _c(r, "04", "08", "16", "32")
        + "H"
        + _c(r, "GHI", "QHI", "UHI", "UHG", "HUHI")
        + "-"
        + _c(r, "K1", "F1", "K2", "F2/N", "M1")
    )


def hik_intercom(r: R) -> str:
    return (
        "DS-K"
        + _c(r, "V6113", "V8113", "V8213", "D8003", "H6320", "1T341", "1T671")
        + "-"
        + _c(r, "WME1", "IME1", "TE", "MF", "AM")
    )


def ezviz(r: R) -> str:
    return (
        "CS-"
        + _c(r, "C6N", "C8C", "H8C", "C3N", "C1C", "H6", "EB3")
        + "-"
        + _c(r, "A0", "B0", "R101")
        + "-"
        + _c(r, "1C2WFR", "1G2WF", "3H2WFRL", "4A2WF")
    )


def hilook(r: R) -> str:
    return (
        "IPC-"
        + _c(r, "B", "D", "T")
        + _c(r, "1", "2", "6")
        + _c(r, "2", "4", "8")
        + _c(r, "0", "1")
        + "H"
        + _c(r, "", "A", "A-LU")
        + _c(r, "", "-M", "-MU", "-Z")
    )


def hiwatch(r: R) -> str:
    return (
        "HWI-"
        + _c(r, "B", "D", "T")
        + _c(r, "1", "2")
        + _c(r, "2", "4", "8")
        + _c(r, "0", "1")
        + "H"
        + _c(r, "", "A", "U")
        + _c(r, "", "-Z", "-D", "-V")
    )


def dh_ipc(r: R) -> str:
    return (
        _c(r, "", "", "DH-", "DHI-")
        + "IPC-H"
        + _c(r, "DW", "FW", "DBW", "DPW")
        + _c(r, "1", "2", "3", "5")
        + _c(r, "2", "4", "8")
        + _c(r, "31", "35", "39", "41", "42")
        + _c(r, "T", "S", "E", "R", "C", "M")
        + _c(r, "", "-AS", "-ZS", "-Z", "-ZE", "-A")
        + _c(r, "", "-S2", "-S3", "-PV", "-0280B")
    )


def dh_nvr(r: R) -> str:
    if r.random() < 0.3:
        return (
            _c(r, "DH-", "DHI-")
            + "NVR"
            + _c(r, "4", "5")
            + _c(r, "1", "2", "4")
            + _c(r, "08", "16", "32")
            + "-4KS"
            + _c(r, "2", "3")
        )
    return (
        "NVR"
        + _c(r, "2", "4", "5")
        + _c(r, "1", "2", "4")
        + _c(r, "04", "08", "16", "32")
        + _c(r, "HS", "", "H")
        + "-"
        + _c(r, "4KS2", "4KS3", "I", "I2", "EI", "P", "8P")
        + _c(r, "", "/L")
    )


def dh_xvr(r: R) -> str:
    return (
        _c(r, "XVR", "XVR", "HCVR")
        + _c(r, "5", "7", "4")
        + _c(r, "1", "2")
        + _c(r, "04", "08", "16")
        + _c(r, "HS", "AN", "L", "C")
        + "-"
        + _c(r, "I", "I2", "I3", "4KL", "X")
    )


def dh_ptz(r: R) -> str:
    return (
        _c(r, "", "DH-")
        + "SD"
        + _c(r, "49", "59", "6C", "5A")
        + _c(r, "225", "425", "232", "445")
        + _c(r, "XA", "XB", "DB", "GB")
        + "-HNR"
        + _c(r, "", "-S3")
    )


def dh_hdcvi(r: R) -> str:
    return (
        _c(r, "", "DH-")
        + "HAC-H"
        + _c(r, "FW", "DW", "DBW")
        + _c(r, "1200", "1500", "2241", "1239")
        + _c(r, "R", "T", "TL", "C")
        + _c(r, "P", "M", "")
        + _c(r, "", "-Z", "-A", "-IL-A")
    )


def dh_intercom(r: R) -> str:
    return _c(r, "", "DHI-") + _c(
        r, "VTO2202F-P", "VTO3211D-P", "VTO2111D-WP", "VTH5221D", "VTH2621G-P", "ASI1212A", "ASI7213X"
    )


def imou(r: R) -> str:
    if r.random() < 0.5:
        return "IPC-" + _c(r, "F", "A", "C", "K") + _c(r, "22", "42", "46") + _c(r, "FP", "FN", "N", "P") + "-imou"
    return "LC-" + _c(r, "TF", "SC", "HF") + _c(r, "2", "4") + _c(r, "F", "D", "") + "-" + _c(r, "2", "4") + "M"


def hw_model(r: R) -> str:
    k = r.random()
    if k < 0.25:
        return (
            _c(r, "HG", "EG", "HS") + "8" + _c(r, "245", "145", "546", "247", "240") + _c(r, "H", "V5", "M", "W5", "")
        )
    if k < 0.45:
        return (
            "B"
            + _c(r, "310", "315", "535", "593", "818", "311")
            + _c(r, "s", "as", "")
            + "-"
            + _c(r, "22", "221", "232", "852")
        )
    if k < 0.6:
        return (
            "E"
            + _c(r, "3372", "5573", "5577", "8372", "3531")
            + _c(r, "h", "Cs", "s", "")
            + "-"
            + _c(r, "153", "320", "608", "22")
        )
    if k < 0.8:
        return (
            "S"
            + _c(r, "5720", "5735", "6730", "1720", "5700")
            + "-"
            + _c(r, "28", "52")
            + _c(r, "X", "P", "TP")
            + "-"
            + _c(r, "SI", "LI", "EI", "HI")
            + "-AC"
        )
    if k < 0.9:
        return "CE" + _c(r, "6881", "6857", "8850", "5855") + "-" + _c(r, "48S6CQ", "32CQ", "48T6CQ")
    return "AR" + _c(r, "6120", "6140", "6280", "651") + _c(r, "", "-S", "-VW")


def zte_model(r: R) -> str:
    k = r.random()
    if k < 0.3:
        return "ZXHN " + _c(r, "F660", "F670L", "H298A", "H267N", "F680", "H108N")
    if k < 0.45:
        return _c(r, "ZXA10 C300", "ZXA10 C320", "ZXA10 C600", "ZXR10 5950-28TD-L", "ZXR10 5250-52TM")
    if k < 0.75:
        return "MF" + _c(r, "286D", "833V", "920V", "971R", "79U", "833U1", "296C")
    return "F" + _c(r, "660", "670L", "680", "601", "670LV9.0", "671Y")


def hytera_model(r: R) -> str:
    fam = _c(r, "PD", "PD", "HP", "MD", "RD", "PT")
    tail = {
        "PD": ("365", "485", "685", "785", "985", "785G", "98X"),
        "HP": ("685", "785", "788", "78X"),
        "MD": ("785", "782", "785i", "785G"),
        "RD": ("985", "982", "985-U"),
        "PT": ("580H", "590"),
    }[fam]
    return fam + r.choice(tail)


# white-label resellers
def lts(r: R) -> str:
    return (
        _c(r, "CMIP", "CMIP", "LTN", "LTD", "CMHR")
        + _d(r, 4)
        + _c(r, "W", "N", "K", "")
        + "-"
        + _c(r, "28M", "Z", "S", "P8", "P16", "FT")
    )


def truvision(r: R) -> str:
    return _c(r, "TVC-M", "TVB-", "TVD-", "TVN-", "TVR-") + _d(r, 4) + _c(r, "-1-N", "-2-N", "S", "")


def lorex(r: R) -> str:
    return (
        _c(r, "LNB", "LNE", "N", "D", "E", "LNZ")
        + _c(r, "8005", "8111", "9242", "841", "862", "892", "4421")
        + _c(r, "B", "A8", "A6B", "AB", "")
        + _c(r, "", "-C", "BW")
    )


def amcrest(r: R) -> str:
    if r.random() < 0.75:
        return (
            "IP"
            + _c(r, "2M", "4M", "5M", "8M")
            + "-"
            + _c(r, "841", "1041", "2496", "1051", "2779")
            + _c(r, "B", "E", "W", "EB", "EW")
            + _c(r, "", "-V2", "-AI")
        )
    return _c(r, "AMDV", "NV") + _c(r, "5M", "4108", "4116", "10808") + "-" + _c(r, "8H", "16H", "E-HS")


def annke(r: R) -> str:
    return _c(r, "C500", "C800", "I41DX", "I91BN", "N46PCK", "H800", "NC400")


def swann(r: R) -> str:
    return "SWN" + _c(r, "HD-", "VK-", "NVR-") + _c(r, "820", "885", "8580", "8780", "1680") + _c(r, "CAM", "WLB", "")


def kbvision(r: R) -> str:
    return "KX-" + _c(r, "2011", "4002", "3001", "8108") + _c(r, "N", "TN", "SN") + _c(r, "2", "3", "")


def cpplus(r: R) -> str:
    return (
        "CP-"
        + _c(r, "UNC-TA", "UNC-DA", "UNC-TB", "UVR-")
        + _c(r, "21", "41", "0401", "1601")
        + _c(r, "L3", "PL3", "E1-HS", "")
        + _c(r, "", "-Y", "-V2")
    )


def honeywell(r: R) -> str:
    return (
        _c(r, "HC30W", "HC35W", "HC60W", "HEN", "HEP")
        + _c(r, "B2R", "D5R", "04102", "08103", "45R2")
        + _c(r, "", "2", "3")
    )


def godrej(r: R) -> str:
    return "STE-" + _c(r, "UR", "NVR") + _c(r, "04", "08", "16") + _c(r, "", "P", "E")


def intelbras(r: R) -> str:
    return _c(r, "VIP 1230 B G3", "VIP 3230 D", "NVD 1304", "NVD 3116 P", "MHDX 1008", "MHDX 3116", "iMHDX 5116")


def agm(r: R) -> str:
    return "Taipan TM" + _c(r, "10", "25", "35") + "-" + _c(r, "256", "384")


# non-covered
def axis(r: R) -> str:
    return (
        _c(r, "P", "M", "Q")
        + _c(r, "3245", "3265", "1455", "6135", "3106", "3727", "1375")
        + "-"
        + _c(r, "LV", "LVE", "L", "LE", "PLE")
        + _c(r, "", " Mk II")
    )


def bosch(r: R) -> str:
    if r.random() < 0.3:
        return "FLEXIDOME IP " + _c(r, "5100i", "8000i", "starlight 7000")
    return (
        _c(r, "NDE", "NBN", "NDI", "NTI")
        + "-"
        + _c(r, "3502", "5503", "8503", "73023", "4502")
        + "-"
        + _c(r, "AL", "AT", "R", "BA", "F03")
    )


def hanwha(r: R) -> str:
    return (
        _c(r, "XNV", "QNO", "PNM", "XND", "QNV", "XRN", "ANV")
        + "-"
        + _c(r, "6080R", "6012R", "9084RQZ", "8081R", "810S", "1610S", "L7012R")
    )


def avigilon(r: R) -> str:
    return _c(r, "2.0", "5.0", "8.0", "4.0") + "C-H5A-" + _c(r, "BO1", "DO1", "DC1", "BO2") + _c(r, "-IR", "")


def pelco(r: R) -> str:
    return _c(r, "IMP231-1ER", "IMP521-1IRS", "SRXP4-3V10-EMT", "SRXP8-2V10-EBT", "IBP231-1ER")


def vivotek(r: R) -> str:
    return _c(r, "FD", "IB", "IP", "FE") + _c(r, "9389", "9367", "9388", "9181") + "-" + _c(r, "HV", "EHTV", "HTV")


def sony(r: R) -> str:
    return "SNC-" + _c(r, "VB770", "EB640", "VM772R", "EM632R", "XM637")


def ipro(r: R) -> str:
    return "WV-" + _c(r, "S1131", "S2131", "X1571LN", "S1536LN", "U2530LA")


def uniview(r: R) -> str:
    if r.random() < 0.7:
        return (
            "IPC"
            + _c(r, "2124", "3612", "2122", "3614")
            + _c(r, "LB", "LR3", "SB")
            + "-"
            + _c(r, "SF28KM", "ADF28K", "PF40")
            + "-G"
        )
    return "NVR" + _c(r, "301", "302") + "-" + _c(r, "08", "16") + _c(r, "E2", "S2") + "-P8"


def reolink(r: R) -> str:
    return "RLC-" + _c(r, "510A", "810A", "520A", "842A", "811A", "1212A")


def ubiquiti(r: R) -> str:
    return _c(
        r,
        "UVC-G3-BULLET",
        "UVC-G4-PRO",
        "UVC-G5-FLEX",
        "UVC-G4-DOME",
        "USW-24-POE",
        "USW-48-POE",
        "UAP-AC-PRO",
        "U6-LR",
    )


def cisco(r: R) -> str:
    return _c(r, "C9200-24P", "C9200-48T", "C9300-48P", "CBS350-24P-4X", "CBS350-48P-4X", "ISR4331/K9", "C9120AXI-B")


def netgear(r: R) -> str:
    return _c(r, "GS308", "GS108", "GS724", "GS110") + _c(r, "T", "P", "PP", "") + "v" + _c(r, "3", "2", "4")


def tplink(r: R) -> str:
    return _c(r, "VIGI C340", "VIGI C440", "VIGI C540", "TL-SG108PE", "TL-SG1016D", "Archer AX55", "Tapo C200")


def synology(r: R) -> str:
    return _c(r, "DS920+", "DS218j", "DS1621+", "RS1221+", "DS723+", "DVA3221")


def milesight(r: R) -> str:
    return "MS-C" + _c(r, "2963", "5364", "8165", "2964") + "-" + _c(r, "FPB", "PD", "RLPC", "FIPC")


def mobotix(r: R) -> str:
    return "MX-" + _c(r, "M16", "S16", "Q26", "M73") + _c(r, "B", "A", "")


def verkada(r: R) -> str:
    return _c(r, "CD42", "CD52", "CD62", "CB52-E", "CB62-TE", "CF81-E")


def motorola(r: R) -> str:
    return _c(r, "APX 6000", "APX 8000", "APX NEXT", "R7", "SL300", "XPR 7550e")


def kenwood(r: R) -> str:
    return "NX-" + _c(r, "1300", "3220", "3400", "5300") + _c(r, "AUK", "K", "")


def arlo(r: R) -> str:
    return _c(r, "VMC4041P", "VMC4060P", "VMC5040", "AVD2001")


def generic_model(r: R) -> str:
    return _c(r, "AC", "SV", "PX", "NV", "TX") + "-" + _d(r, 3) + _c(r, "", "A", "X", "B") + _c(r, "", "-W", "-4K")


def hdd_model(r: R) -> str:
    return _c(r, "ST4000VX016", "ST8000VE001", "WD40PURZ", "WD84PURZ", "ST2000VX015", "WD22PURZ")


def accessory_model(r: R) -> str:
    return _c(r, "JB-", "WM-", "PM-", "PSU-", "CB-") + _d(r, 3) + _c(r, "", "W", "B")


# --- descriptions ------------------------------------------------------------------------------------


def desc(r: R, cat: str) -> str:
    mp = _c(r, "2MP", "4MP", "5MP", "6MP", "8MP", "4K", "1080p")
    if cat == "camera":
        return (
            f"{mp} {_c(r, 'Outdoor', 'Indoor', 'Vandal-proof', 'Fixed', 'Varifocal')} "
            f"{_c(r, 'Dome', 'Bullet', 'Turret', 'Eyeball', 'Fisheye', 'Box')} "
            f"{_c(r, 'Network Camera', 'IP Camera', 'Camera', 'PoE Camera')}, "
            f"{_c(r, '2.8mm', '4mm', '2.8-12mm', '6mm')} lens, IR {_c(r, '30', '40', '50', '60')}m"
            + _c(r, "", ", WDR", ", H.265+", ", audio, alarm I/O", ", NDAA review required")
        )
    if cat == "analog":
        return f"{mp} Turbo HD {_c(r, 'Dome', 'Bullet', 'Turret')} Camera, HD-TVI, {_c(r, '2.8mm', '3.6mm')} lens"
    if cat == "ptz":
        return f"{mp} {_c(r, '25X', '32X', '15X', '4X')} IR Network Speed Dome PTZ Camera"
    if cat == "thermal":
        return (
            f"Thermal & Optical Bi-spectrum Network {_c(r, 'Bullet', 'Turret')} Camera, {_c(r, '256x192', '384x288')}"
        )
    if cat == "nvr":
        ch = _c(r, "4", "8", "16", "32", "64")
        return f"{ch}-Channel {_c(r, '1U', '1.5U', '2U')} {_c(r, '4K', '12MP', '8MP')} NVR network video recorder" + _c(
            r, "", f", {ch} PoE", ", 2 SATA", ", HDD not included"
        )
    if cat == "dvr":
        return f"{_c(r, '4', '8', '16')}-Channel {_c(r, 'Turbo HD DVR', 'Penta-brid XVR', 'HD-CVI DVR', 'DVR')}, 1080p"
    if cat == "intercom":
        return _c(
            r,
            "IP Video Intercom Door Station",
            "Video door phone indoor monitor, 7-inch",
            "Face Recognition Terminal, access control",
            "Villa door station, 2MP",
        )
    if cat == "ont":
        return _c(
            r,
            "GPON ONT, 4GE+2POTS+WiFi",
            "XGS-PON ONU with Wi-Fi 6",
            "Optical network terminal, GPON",
            "Broadband home gateway, VDSL2",
        )
    if cat == "lte":
        return _c(
            r, "4G LTE USB modem dongle", "4G LTE CPE router, Cat6", "LTE MiFi mobile hotspot", "5G CPE Pro router"
        )
    if cat == "switch":
        return f"{_c(r, '24', '48', '8', '16')}-port Gigabit {_c(r, 'PoE+', '', 'L3')} managed switch"
    if cat == "router":
        return _c(r, "Enterprise router, 4xGE", "Branch office gateway router", "Core router chassis")
    if cat == "wifi":
        return _c(r, "Wi-Fi 6 access point, ceiling mount", "Dual-band Wi-Fi router", "Outdoor access point")
    if cat == "radio":
        return _c(
            r,
            "DMR portable two-way radio, UHF",
            "Digital mobile radio, VHF",
            "TETRA portable radio",
            "P25 portable radio",
        )
    if cat == "repeater":
        return _c(r, "DMR repeater, UHF 50W", "Digital repeater, VHF")
    if cat == "hdd":
        return f"{_c(r, '2TB', '4TB', '8TB', '22TB')} surveillance hard drive, SATA 6Gb/s"
    if cat == "nas":
        return _c(r, "4-bay NAS storage server", "Network video recorder appliance, 4 bays", "2-bay NAS")
    if cat == "accessory":
        return _c(
            r,
            "Wall mount bracket for dome cameras",
            "Junction box, compatible with Hikvision domes",
            "Pendant mount adapter",
            "12V DC power supply",
            "Cat6 patch cable, 3 ft",
            "Pole mount for Dahua bullet cameras",
            "Outdoor housing with heater",
        )
    return _c(r, "Security equipment", "Network device", "Surveillance kit, 4 cameras + recorder")


# --- brands -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Make:
    """A brand as catalogs spell it, its model grammars (with categories), its FCC grantee and MAC block."""

    labels: tuple[str, ...]
    lines: tuple[tuple[Callable[[R], str], str], ...]
    weight: float
    oui: str = ""
    fcc: str = ""
    fcc_sep: str = "-"


HIK_LINES = (
    (hik_ipc, "camera"),
    (hik_ipc, "camera"),
    (hik_analog, "analog"),
    (hik_ptz, "ptz"),
    (hik_thermal, "thermal"),
    (hik_nvr, "nvr"),
    (hik_dvr, "dvr"),
    (hik_intercom, "intercom"),
)
DH_LINES = (
    (dh_ipc, "camera"),
    (dh_ipc, "camera"),
    (dh_nvr, "nvr"),
    (dh_xvr, "dvr"),
    (dh_ptz, "ptz"),
    (dh_hdcvi, "analog"),
    (dh_intercom, "intercom"),
)

MAKES: tuple[Make, ...] = (
    # covered manufacturers and their own brands
    Make(
        ("Hikvision", "HIKVISION", "Hikvision USA Inc.", "Hangzhou Hikvision Digital Technology Co., Ltd."),
        HIK_LINES,
        7,
        "hikvision",
        "2ADTD",
    ),
    Make(("Dahua", "DAHUA", "Dahua Technology USA", "Zhejiang Dahua Technology Co., Ltd."), DH_LINES, 6, "dahua"),
    Make(("EZVIZ", "Ezviz"), ((ezviz, "camera"),), 1.5, "hikvision"),
    Make(("HiLook", "Hi-Look"), ((hilook, "camera"),), 1.2, "hikvision"),
    Make(("HiWatch", "Hi-Watch"), ((hiwatch, "camera"),), 1.0, "hikvision"),
    Make(("Imou", "IMOU", "Lechange"), ((imou, "camera"),), 1.0, "dahua", "2AVYF"),
    Make(
        ("Huawei", "HUAWEI", "Huawei Technologies Co., Ltd."),
        ((hw_model, "ont"), (hw_model, "lte"), (hw_model, "switch"), (hw_model, "router")),
        4,
        "huawei",
        "QIS",
        "",
    ),
    Make(
        ("ZTE", "ZTE Corporation", "ZTE USA"),
        ((zte_model, "ont"), (zte_model, "lte"), (zte_model, "router")),
        3,
        "zte",
        "SRQ",
    ),
    Make(
        ("Hytera", "HYTERA", "Hytera America"),
        ((hytera_model, "radio"), (hytera_model, "repeater")),
        2,
        "hytera",
        "YAM",
        "",
    ),
    # white-label resellers: their own model numbers, or the OEM's
    Make(
        ("LTS", "LT Security", "LTS Security"), ((lts, "camera"), (lts, "nvr"), (hik_ipc, "camera")), 2.5, "hikvision"
    ),
    Make(("Interlogix", "TruVision", "UTC Interlogix"), ((truvision, "camera"), (truvision, "nvr")), 1.5, "hikvision"),
    Make(("Lorex", "LOREX", "Lorex Technology"), ((lorex, "camera"), (lorex, "nvr"), (lorex, "dvr")), 2.5, "dahua"),
    Make(
        ("Amcrest", "AMCREST", "Amcrest Technologies"),
        ((amcrest, "camera"), (amcrest, "nvr"), (dh_ipc, "camera")),
        2.5,
        "amcrest",
    ),
    Make(("ANNKE", "Annke"), ((annke, "camera"), (annke, "nvr")), 1.2, "hikvision"),
    Make(("Swann", "SWANN"), ((swann, "camera"), (swann, "nvr")), 1.2, "module"),
    Make(("KBVision", "KB Vision"), ((kbvision, "camera"),), 0.8, "dahua"),
    Make(("CP Plus", "CP-PLUS"), ((cpplus, "camera"), (cpplus, "dvr")), 1.0, "dahua"),
    Make(("Honeywell", "Honeywell Security"), ((honeywell, "camera"), (honeywell, "nvr")), 1.2, "module"),
    Make(("Godrej",), ((godrej, "nvr"),), 0.4, "dahua"),
    Make(("Intelbras", "INTELBRAS"), ((intelbras, "camera"), (intelbras, "nvr")), 0.8, "dahua"),
    Make(("AGM", "AGM Global Vision"), ((agm, "thermal"),), 0.3, "hikvision"),
    Make(("Panasonic",), ((ipro, "camera"),), 0.8, "module"),
    Make(("FLIR", "FLIR Systems"), ((generic_model, "camera"), (generic_model, "nvr")), 0.6, "module"),
    # not covered
    Make(("Axis", "AXIS", "Axis Communications"), ((axis, "camera"), (axis, "ptz")), 6, "axis", "UXB", "-"),
    Make(("Bosch", "BOSCH", "Bosch Security Systems"), ((bosch, "camera"),), 3.5, "bosch"),
    Make(("Hanwha Vision", "Hanwha Techwin", "Wisenet"), ((hanwha, "camera"), (hanwha, "nvr")), 4, "hanwha"),
    Make(("Avigilon", "AVIGILON"), ((avigilon, "camera"),), 2.5, "module"),
    Make(("Pelco",), ((pelco, "camera"),), 1.5, "module"),
    Make(("Vivotek", "VIVOTEK"), ((vivotek, "camera"),), 1.5, "vivotek"),
    Make(("Sony",), ((sony, "camera"),), 1.0, "sony"),
    Make(("i-PRO", "i-PRO Co., Ltd."), ((ipro, "camera"),), 1.5, "module"),
    Make(("Uniview", "UNV"), ((uniview, "camera"), (uniview, "nvr")), 2.5, "uniview"),
    Make(("Reolink",), ((reolink, "camera"),), 1.5, "reolink"),
    Make(("Ubiquiti", "UniFi"), ((ubiquiti, "camera"), (ubiquiti, "switch"), (ubiquiti, "wifi")), 3, "ubiquiti"),
    Make(("Cisco", "Cisco Systems"), ((cisco, "switch"), (cisco, "router")), 4, "cisco", "LDK"),
    Make(("Netgear", "NETGEAR"), ((netgear, "switch"),), 2, "netgear", "PY3"),
    Make(("TP-Link", "TP-LINK"), ((tplink, "camera"), (tplink, "switch"), (tplink, "wifi")), 2.5, "tp-link", "TE7"),
    Make(("Synology",), ((synology, "nas"),), 1.2, "synology"),
    Make(("Milesight",), ((milesight, "camera"),), 0.8, "milesight"),
    Make(("Mobotix", "MOBOTIX"), ((mobotix, "camera"),), 0.6, "mobotix"),
    Make(("Verkada",), ((verkada, "camera"),), 1.0, "module"),
    Make(("Motorola Solutions",), ((motorola, "radio"),), 2, "module", "AZ4", ""),
    Make(("Kenwood",), ((kenwood, "radio"),), 1.0, "module", "ALH", ""),
    Make(("Arlo",), ((arlo, "camera"),), 0.8, "module"),
    # brands the KB does not know
    Make(("Seagate", "Western Digital", "WD"), ((hdd_model, "hdd"),), 2.5),
    Make(("StarTech.com", "Tripp Lite", "Generic", "Pelican Mounts", "Belkin"), ((accessory_model, "accessory"),), 4),
    Make(
        ("Acme Security Supply", "SecureVision", "ProVision Systems", "OptiCam", "ViewMax"),
        ((generic_model, "camera"), (generic_model, "nvr"), (generic_model, "other")),
        4,
        "module",
    ),
    # unbranded lines (blank manufacturer) carrying a covered maker's model number
    Make(("",), ((hik_ipc, "camera"), (dh_ipc, "camera"), (hik_nvr, "nvr")), 1.0),
)


@dataclass(frozen=True)
class Product:
    """One catalog product line."""

    brand: str
    model: str
    description: str
    fcc_id: str
    oui: str


def make_product(r: R) -> Product:
    """A random product: brand, grammar-following model, description, FCC ID (sometimes), MAC block."""
    mk = r.choices(MAKES, weights=[m.weight for m in MAKES])[0]
    gen, cat = r.choice(mk.lines)
    model = gen(r)
    brand = r.choice(mk.labels)
    d = desc(r, cat)
    if r.random() < 0.25 and brand:
        d = f"{brand} {model} {d}"
    elif r.random() < 0.15:
        d = f"{d} ({model})"
    fcc = ""
    if mk.fcc and r.random() < 0.5:
        tail = "".join(ch for ch in model.upper() if ch.isalnum())[:10] or _alnum(r, 6)
        fcc = f"{mk.fcc}{mk.fcc_sep}{tail}"
    oui = mk.oui if cat not in ("accessory", "hdd", "other") else ""
    return Product(brand, model, d, fcc, oui)


def product_pool(seed: int = SEED, size: int = POOL_SIZE) -> list[Product]:
    """``size`` distinct products (by brand, model and description)."""
    r = random.Random(seed)
    seen: set[tuple[str, str, str]] = set()
    out: list[Product] = []
    while len(out) < size:
        p = make_product(r)
        k = (p.brand, p.model, p.description)
        if k not in seen:
            seen.add(k)
            out.append(p)
    return out


CATALOG_HEADER = [
    "Line",
    "Manufacturer",
    "Model Number",
    "Description",
    "FCC ID",
    "MAC",
    "Unit Price",
    "Qty",
    "Contract",
]


def catalog_rows(n: int, seed: int = SEED, distinct: bool = False) -> Iterator[list[str]]:
    """``n`` catalog rows (without the header)."""
    r = random.Random(seed + 1)
    if distinct:
        seen: set[str] = set()

        def draw() -> Product:
            for _ in range(20):
                p = make_product(r)
                if p.model not in seen:
                    break
            else:  # the grammar ran out of fresh numbers: make one fresh by a variant suffix
                p = Product(p.brand, f"{p.model}-V{len(seen)}", p.description, p.fcc_id, p.oui)
            seen.add(p.model)
            return p
    else:
        pool = product_pool(seed)
        weights = [1.0 / (i + 1) ** 0.9 for i in range(len(pool))]
        cum: list[float] = []
        acc = 0.0
        for w in weights:
            acc += w
            cum.append(acc)
    for i in range(n):
        if distinct:
            p = draw()
        else:
            p = r.choices(pool, cum_weights=cum)[0]
        mac = mac_text(r, r.choice(OUIS[p.oui])) if p.oui and r.random() < 0.8 else ""
        yield [
            f"{i + 1}",
            p.brand,
            p.model,
            p.description,
            p.fcc_id,
            mac,
            f"{r.uniform(9, 4800):.2f}",
            str(r.randint(1, 250)),
            f"{_c(r, 'GS-07F', '47QTCA', 'GS-35F', 'W91QUZ')}-{r.randint(10000, 99999)}{r.choice(UP)}",
        ]


def write_catalog(path: Path, n: int, seed: int = SEED, distinct: bool = False) -> Path:
    """Write an ``n``-row catalog CSV to ``path``."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CATALOG_HEADER)
        w.writerows(catalog_rows(n, seed, distinct))
    return path


# --- device records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Device:
    """A device type the record generator can answer for."""

    family: str  # hikvision, dahua, huawei, zte, hytera, axis, hanwha, ubiquiti, generic
    vendor: str  # what it calls itself (an OEM build says the reseller)
    model: str
    oui: str


DEVICE_FAMILIES: tuple[tuple[str, tuple[str, ...], Callable[[R], str], str, float], ...] = (
    ("hikvision", ("HIKVISION", "Hikvision"), hik_ipc, "hikvision", 6),
    ("hikvision", ("HIKVISION",), hik_nvr, "hikvision", 2),
    ("hikvision", ("LTS", "ANNKE", "Interlogix"), hik_ipc, "hikvision", 2),  # OEM builds
    ("dahua", ("Dahua", "DAHUA"), dh_ipc, "dahua", 5),
    ("dahua", ("Dahua",), dh_nvr, "dahua", 2),
    ("dahua", ("Amcrest", "Lorex", "IPC"), dh_ipc, "dahua", 2),
    ("huawei", ("Huawei Technologies Co., Ltd.", "HUAWEI"), hw_model, "huawei", 3),
    ("zte", ("ZTE", "ZTE Corporation"), zte_model, "zte", 2),
    ("hytera", ("Hytera",), hytera_model, "hytera", 0.5),
    ("axis", ("AXIS",), axis, "axis", 4),
    ("hanwha", ("Hanwha Vision", "Hanwha Techwin"), hanwha, "hanwha", 2),
    ("ubiquiti", ("Ubiquiti",), ubiquiti, "ubiquiti", 2),
    ("generic", ("IPCAM", "NetCam", "Generic"), generic_model, "module", 3),
)


def device_pool(seed: int, size: int = 1500) -> list[Device]:
    r = random.Random(seed + 7)
    out = []
    for _ in range(size):
        fam, vendors, gen, oui, _w = r.choices(DEVICE_FAMILIES, weights=[f[4] for f in DEVICE_FAMILIES])[0]
        out.append(Device(fam, r.choice(vendors), gen(r), oui))
    return out


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class _Ctx:
    """Per-record variation: one device instance (serial, MAC, IP, firmware, dates)."""

    def __init__(self, r: R, dev: Device) -> None:
        self.r = r
        self.dev = dev
        self.mac = r.choice(OUIS[dev.oui]) + _hex(r, 6).upper()
        self.ip = f"{_c(r, '10', '192', '172')}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        self.year = r.randint(2016, 2025)
        self.month = r.randint(1, 12)
        self.day = r.randint(1, 28)
        self.uuid = f"{_hex(r, 8)}-{_hex(r, 4)}-{_hex(r, 4)}-{_hex(r, 4)}-{self.mac.lower()}"
        f = dev.family
        if f == "hikvision":
            self.serial = (
                f"{dev.model.split('(')[0]}{r.choice(['', '16'])}{self.year}{self.month:02d}{self.day:02d}"
                f"{_c(r, 'AAWR', 'AACH', 'CCWR', 'CCRR')}{_alnum(r, 9)}"
            )
            self.fw = (
                f"V{_c(r, '5.5.0', '5.6.1', '5.7.15', '5.5.82', '4.61.000')} build {self.year % 100:02d}"
                f"{self.month:02d}{self.day:02d}"
            )
        elif f == "dahua":
            self.serial = f"{_alnum(r, 7)}PA{_alnum(r, 6)}"
            self.fw = (
                f"2.{_c(r, '800', '820', '840', '420')}.{_c(r, '0000016', '0000018', 'AC00', '0000000')}."
                f"{r.randint(0, 20)}.R, Build Date {self.year}-{self.month:02d}-{self.day:02d}"
            )
        elif f == "huawei":
            self.serial = f"{_c(r, '2102', '4857')}{_alnum(r, 14)}"
            self.fw = (
                f"V{_c(r, '300', '500', '800')}R{r.randint(10, 22):03d}C{r.randint(10, 99)}SPC{r.randint(100, 900)}"
            )
        elif f == "zte":
            self.serial = f"ZTE{_alnum(r, 12)}"
            self.fw = f"BD_{dev.model.replace(' ', '').upper()[:10]}V1.0.0B{r.randint(1, 20):02d}"
        else:
            self.serial = _alnum(r, r.randint(10, 16))
            self.fw = f"{r.randint(1, 11)}.{r.randint(0, 20)}.{r.randint(0, 99)}"

    def date_header(self) -> str:
        r = self.r
        return (
            f"{r.choice(_DAYS)}, {r.randint(1, 28):02d} {r.choice(_MONTHS)} {r.randint(2019, 2025)} "
            f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d} GMT"
        )

    def mac_colon(self, sep: str = ":") -> str:
        return sep.join(self.mac[i : i + 2] for i in range(0, 12, 2)).lower()


def _http(c: _Ctx) -> str:
    r, f = c.r, c.dev.family
    status = _c(r, "200 OK", "401 Unauthorized", "302 Found")
    realm = ""
    body = ""
    if f == "hikvision":
        server = _c(r, "DNVRS-Webs", "App-webs/", "Hikvision-Webs", "webserver", "DVRDVS-Webs")
        realm = _c(r, "DVRNVRDVS", f"IP Camera({_alnum(r, 5)})", "index.html", "")
        body = (
            "<!DOCTYPE html>\n<html><head><title>" + _c(r, "", "Embedded Net DVR", "Index") + "</title>"
            '<script>window.location.href = "/doc/page/login.asp?_' + str(r.randint(10**12, 10**13)) + '";'
            "</script></head><body></body></html>"
        )
    elif f == "dahua":
        server = _c(r, "WebServer", "Webs", "")
        realm = _c(r, f"Login to {c.serial}", "Login to " + _alnum(r, 12), "")
        body = (
            '<html><head><title>WEB SERVICE</title><script src="/jsBase/lib/jquery.js?version=@WebVersion@">'
            '</script></head><body><div class="ui-video-wrap-icon"></div><input id="t_username" />'
            f'<!-- {r.randint(1, 10**9)} --><object classid="DhWebClientPlugin"></object></body></html>'
        )
    elif f == "huawei":
        server = _c(r, "", "HuaweiHomeGateway", "WebServer", "Huawei Auth-Http Server 1.0")
        realm = _c(r, "HuaweiHomeGateway", "")
        body = f"<html><head><title>{c.dev.model}</title></head><body>Copyright Huawei {c.year}</body></html>"
    elif f == "zte":
        server = "Mini web server 1.0 ZTE corp 2005."
        realm = _c(r, "cpe@zte.com", "")
        body = f'<html><head><title>{c.dev.model}</title></head><body><form id="fLogin"></form></body></html>'
    elif f == "axis":
        server = _c(r, "Apache/2.4.54 (Unix) OpenSSL/1.1.1t", "Apache")
        realm = _c(r, f"AXIS_{c.mac}", "")
        body = f"<html><head><title>AXIS {c.dev.model} Network Camera</title></head><body>{c.ip}</body></html>"
    else:
        server = _c(r, "lighttpd/1.4.35", "nginx", "Boa/0.94.14rc21", "GoAhead-Webs", "uc-httpd 1.0.0", "thttpd/2.25b")
        body = (
            f"<html><head><title>{_c(r, 'NETSurveillance WEB', 'Login', 'Web Client', '')}</title></head>"
            f"<body>{c.ip} {r.randint(1, 10**6)}</body></html>"
        )
    lines = [f"HTTP/1.1 {status}", f"Date: {c.date_header()}"]
    if server:
        lines.append(f"Server: {server}")
    if status.startswith("401") and realm:
        lines.append(f'WWW-Authenticate: Digest qop="auth", realm="{realm}", nonce="{_hex(r, 32)}", stale="FALSE"')
    if status.startswith("302"):
        lines.append(f"Location: http://{c.ip}/doc/page/login.asp")
    lines += [
        "Content-Type: text/html; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Connection: close",
        f'ETag: "{_hex(r, 8)}-{_hex(r, 4)}"',
    ]
    return "\r\n".join(lines) + "\r\n\r\n" + (body if status.startswith("200") or r.random() < 0.5 else "")


def _isapi(c: _Ctx) -> str:
    r = c.r
    ns = _c(r, "http://www.hikvision.com/ver20/XMLSchema", "http://www.isapi.org/ver20/XMLSchema")
    extra = ""
    if r.random() < 0.7:
        extra = (
            "<deviceLocation>hangzhou</deviceLocation>\n<systemContact>Hikvision.China</systemContact>\n"
            "<telecontrolID>88</telecontrolID>\n"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<DeviceInfo version="2.0" xmlns="{ns}">\n'
        f"<deviceName>{_c(r, 'IP CAMERA', 'Loading Dock', 'Lobby', 'NVR', 'Gate ' + str(r.randint(1, 40)))}"
        f"</deviceName>\n<deviceID>{c.uuid}</deviceID>\n<deviceDescription>{_c(r, 'IPCamera', 'NVR')}"
        f"</deviceDescription>\n{extra}<model>{c.dev.model.split('(')[0]}</model>\n"
        f"<serialNumber>{c.serial}</serialNumber>\n<macAddress>{c.mac_colon()}</macAddress>\n"
        f"<firmwareVersion>{c.fw.split(' ')[0]}</firmwareVersion>\n"
        f"<firmwareReleasedDate>build {c.fw.split('build ')[-1]}</firmwareReleasedDate>\n"
        f"<encoderVersion>V7.3</encoderVersion>\n<encoderReleasedDate>build {c.year % 100:02d}0101"
        f"</encoderReleasedDate>\n<bootVersion>V1.3.4</bootVersion>\n<bootReleasedDate>100316</bootReleasedDate>\n"
        f"<deviceType>IPCamera</deviceType>\n<telecontrolID>{r.randint(1, 255)}</telecontrolID>\n</DeviceInfo>\n"
    )


def _dahua_cgi(c: _Ctx) -> str:
    r = c.r
    upd = c.dev.model if c.dev.family == "dahua" else dh_ipc(r)
    dtype = c.dev.model if c.dev.vendor in ("Dahua", "DAHUA") else amcrest(r)
    return (
        f"deviceType={dtype}\r\nhardwareVersion=1.00\r\nprocessor={_c(r, 'S2LM', 'SSC327DE', 'HI3516EV300')}\r\n"
        f"serialNumber={c.serial}\r\nupdateSerial={upd}\r\n"
        + (f"updateSerialCloudUpgrade={upd}:01:02:03:{r.randint(10, 99)}\r\n" if r.random() < 0.5 else "")
    )


def _onvif(c: _Ctx) -> str:
    r = c.r
    hw = {"hikvision": "88", "dahua": "1.00"}.get(c.dev.family, _c(r, "1.0", "A1", "HW-2"))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><env:Body><tds:GetDeviceInformationResponse>'
        f"<tds:Manufacturer>{c.dev.vendor}</tds:Manufacturer><tds:Model>{c.dev.model}</tds:Model>"
        f"<tds:FirmwareVersion>{c.fw.split(',')[0]}</tds:FirmwareVersion><tds:SerialNumber>{c.serial}"
        f"</tds:SerialNumber><tds:HardwareId>{hw}</tds:HardwareId></tds:GetDeviceInformationResponse>"
        "</env:Body></env:Envelope>"
    )


def _ws_discovery(c: _Ctx) -> str:
    r = c.r
    name = c.dev.vendor.replace(" ", "%20") + "%20" + c.dev.model.replace(" ", "%20")
    scopes = [
        f"onvif://www.onvif.org/type/{_c(r, 'video_encoder', 'Network_Video_Transmitter')}",
        f"onvif://www.onvif.org/name/{name}",
        f"onvif://www.onvif.org/hardware/{c.dev.model.split('(')[0]}",
        f"onvif://www.onvif.org/MAC/{c.mac_colon('-')}",
        "onvif://www.onvif.org/Profile/Streaming",
    ]
    if c.dev.family == "hikvision":
        scopes.append("onvif://www.onvif.org/location/city/hangzhou")
    else:
        scopes.append(f"onvif://www.onvif.org/location/country/{_c(r, 'china', 'usa', 'germany')}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:wsadis="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
        'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">'
        f"<env:Header><wsadis:MessageID>urn:uuid:{c.uuid}</wsadis:MessageID>"
        f"<wsadis:RelatesTo>uuid:{_hex(r, 8)}-{_hex(r, 4)}-{_hex(r, 4)}-{_hex(r, 4)}-{_hex(r, 12)}"
        "</wsadis:RelatesTo>"
        f'<d:AppSequence InstanceId="{r.randint(1, 10**6)}" MessageNumber="{r.randint(1, 500)}"/></env:Header>'
        "<env:Body><d:ProbeMatches><d:ProbeMatch>"
        f"<wsadis:EndpointReference><wsadis:Address>urn:uuid:{c.uuid}</wsadis:Address></wsadis:EndpointReference>"
        "<d:Types>dn:NetworkVideoTransmitter</d:Types>"
        f"<d:Scopes>{' '.join(scopes)}</d:Scopes>"
        f"<d:XAddrs>http://{c.ip}/onvif/device_service</d:XAddrs>"
        "<d:MetadataVersion>10</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>"
    )


def _ssdp(c: _Ctx) -> str:
    r = c.r
    manu = {"huawei": "Huawei Technologies Co., Ltd.", "zte": "ZTE", "hikvision": "Hikvision", "dahua": "Dahua"}.get(
        c.dev.family, c.dev.vendor
    )
    murl = {"zte": "http://www.zte.com", "huawei": "http://www.huawei.com"}.get(c.dev.family, "http://www.example.com")
    head = (
        f"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age={_c(r, '1800', '120', '100')}\r\nDATE: {c.date_header()}\r\n"
        f"EXT:\r\nLOCATION: http://{c.ip}:{_c(r, '49152', '52869', '8080')}/rootDesc.xml\r\n"
        f"SERVER: {_c(r, 'Linux/3.10', 'Linux/4.9', 'Custom/1.0')} UPnP/1.0 {manu}/{_c(r, '1.0', '2.0')}\r\n"
        f"ST: upnp:rootdevice\r\nUSN: uuid:{c.uuid}::upnp:rootdevice\r\n\r\n"
    )
    body = (
        '<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major>'
        "<minor>0</minor></specVersion><device><deviceType>urn:schemas-upnp-org:device:"
        f"{_c(r, 'InternetGatewayDevice:1', 'Basic:1')}</deviceType><friendlyName>{c.dev.model} {c.mac[-4:]}"
        f"</friendlyName><manufacturer>{manu}</manufacturer><manufacturerURL>{murl}</manufacturerURL>"
        f"<modelName>{c.dev.model}</modelName><modelNumber>{c.dev.model}</modelNumber>"
        f"<serialNumber>{c.serial}</serialNumber><UDN>uuid:{c.uuid}</UDN></device></root>"
    )
    return head + body if r.random() < 0.6 else body


def _rtsp(c: _Ctx) -> str:
    r, f = c.r, c.dev.family
    if f == "hikvision":
        realm, server = _c(r, f"IP Camera({_alnum(r, 5)})", "DVRNVRDVS"), _c(r, "", "HIK-rtsp-server")
    elif f == "dahua":
        realm, server = f"Login to {c.serial}", "Dahua Rtsp Server"
    else:
        realm, server = (
            _c(r, "RTSP server", "LIVE555 Streaming Media", c.dev.vendor),
            _c(r, "GStreamer RTSP server", ""),
        )
    lines = [
        "RTSP/1.0 401 Unauthorized",
        f"CSeq: {r.randint(1, 9)}",
        f'WWW-Authenticate: Digest realm="{realm}", nonce="{_hex(r, 32)}"',
        f"Date: {c.date_header()}",
    ]
    if server:
        lines.append(f"Server: {server}")
    return "\r\n".join(lines) + "\r\n\r\n"


def _tls(c: _Ctx) -> str:
    r, f = c.r, c.dev.family
    if f == "hikvision":
        s = _c(
            r, "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN", f"CN={c.ip},O=HIKVISION,C=CN"
        )
        return f"subject={s}; issuer=CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN"
    if f == "dahua":
        return f"subject=CN={c.ip},O=DAHUA,C=CN; issuer=CN=Dahua Root CA {r.randint(1, 3)},O=DAHUA,C=CN"
    if f == "huawei":
        return f"subject=CN={c.serial},O=Huawei,C=CN; issuer=CN=Huawei Equipment CA,O=Huawei,C=CN"
    if f == "axis":
        return f"subject=CN=axis-{c.mac.lower()}; issuer=CN=Axis Communications AB Root CA,O=Axis Communications AB"
    return f"subject=CN={c.ip}; issuer=CN={c.ip}"


def _sadp(c: _Ctx) -> str:
    r = c.r
    oem = _c(r, "HIKVISION", c.dev.vendor.upper()) if c.dev.family == "hikvision" else c.dev.vendor
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ProbeMatch>\n'
        f"<Uuid>{c.uuid.upper()}</Uuid>\n<Types>inquiry</Types>\n"
        f"<DeviceType>{r.randint(130000, 139999)}</DeviceType>\n"
        f"<DeviceDescription>{c.dev.model}</DeviceDescription>\n"
        f"<DeviceSN>{c.serial}</DeviceSN>\n<CommandPort>8000</CommandPort>\n<HttpPort>80</HttpPort>\n"
        f"<MAC>{c.mac_colon('-')}</MAC>\n<IPv4Address>{c.ip}</IPv4Address>\n"
        f"<SoftwareVersion>{c.fw.replace(' build', 'build')}</SoftwareVersion>\n"
        f"<DSPVersion>V7.3, build {c.year % 100:02d}0101</DSPVersion>\n"
        f"<BootTime>{c.year}-{c.month:02d}-{c.day:02d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00"
        "</BootTime>\n"
        f"<Activated>{_c(r, 'true', 'false')}</Activated>\n<OEMInfo>{oem}</OEMInfo>\n"
        f"<AnalogChannelNum>0</AnalogChannelNum>\n"
        f"<DigitalChannelNum>{r.choice([1, 4, 8, 16])}</DigitalChannelNum>\n"
        "</ProbeMatch>\n"
    )


def _dhip(c: _Ctx) -> str:
    r = c.r
    vendor = c.dev.vendor if c.dev.vendor in ("Lorex", "Amcrest") else _c(r, "Dahua", "General", "Private")
    body = json.dumps(
        {
            "mac": c.mac_colon(),
            "method": "client.notifyDevInfo",
            "params": {
                "deviceInfo": {
                    "AlarmInputChannels": r.choice([0, 1, 2]),
                    "DeviceClass": _c(r, "IPC", "NVR", "VTO"),
                    "DeviceType": c.dev.model,
                    "HttpPort": 80,
                    "IPv4Address": {
                        "DefaultGateway": c.ip.rsplit(".", 1)[0] + ".1",
                        "IPAddress": c.ip,
                        "SubnetMask": "255.255.255.0",
                    },
                    "MachineName": c.serial,
                    "Port": 37777,
                    "SerialNo": c.serial,
                    "Vendor": vendor,
                    "Version": c.fw.split(",")[0],
                    "Init": r.randint(10000, 99999),
                }
            },
        },
        sort_keys=True,
    ).replace("/", "\\/")
    header = (
        "20000000444849500000000000000000"
        + f"{len(body):02x}000000"
        + "00000000"
        + f"{len(body):02x}000000"
        + "00000000"
    )
    return header + body


_BANNERS = (
    "SSH-2.0-dropbear_{v}",
    "SSH-2.0-OpenSSH_{v} Debian",
    "220 {vendor} FTP server ready.",
    "Huawei Versatile Routing Platform Software\r\nVRP (R) software, Version 5.{n} ({model} V200R0{n}C00)",
    "ZXR10 ROS Version V4.08.23 ZXR10 {model}",
    "rtsp://{ip}:554/cam/realmonitor?channel=1&subtype=0",
    "rtsp://{ip}:554/Streaming/Channels/101",
    "\r\n\r\n{model} login: ",
    "Welcome to {vendor} telnet service",
)


def _banner(c: _Ctx) -> str:
    r, f = c.r, c.dev.family
    if f == "huawei":
        t = _BANNERS[3]
    elif f == "zte":
        t = _c(r, _BANNERS[4], "\r\n\r\nZXHN login: ")
    elif f == "dahua":
        t = _c(r, _BANNERS[5], _BANNERS[0])
    elif f == "hikvision":
        t = _c(r, _BANNERS[6], _BANNERS[0], _BANNERS[7])
    else:
        t = r.choice((_BANNERS[0], _BANNERS[1], _BANNERS[2], _BANNERS[7], _BANNERS[8]))
    return t.format(
        v=f"{r.randint(2012, 2022)}.{r.randint(1, 90)}",
        vendor=c.dev.vendor,
        n=r.randint(1, 9),
        model=c.dev.model,
        ip=c.ip,
    )


def _mac(c: _Ctx) -> str:
    return c.mac_colon(c.r.choice(":-"))


def _model(c: _Ctx) -> str:
    return c.dev.model if c.r.random() < 0.7 else f"{c.dev.vendor} {c.dev.model}"


def _firmware(c: _Ctx) -> str:
    return c.fw


RENDER: dict[str, Callable[[_Ctx], str]] = {
    "http": _http,
    "isapi_deviceinfo": _isapi,
    "dahua_cgi": _dahua_cgi,
    "onvif_device_information": _onvif,
    "ws_discovery": _ws_discovery,
    "ssdp_description": _ssdp,
    "rtsp": _rtsp,
    "tls_cert": _tls,
    "sadp": _sadp,
    "dhip": _dhip,
    "banner_other": _banner,
    "mac": _mac,
    "model_string": _model,
    "firmware_string": _firmware,
}

# which protocols a device family answers, with weights
_PROTOCOLS: dict[str, tuple[tuple[str, float], ...]] = {
    "hikvision": (
        ("http", 4),
        ("isapi_deviceinfo", 2),
        ("onvif_device_information", 1.5),
        ("ws_discovery", 1.5),
        ("rtsp", 1.5),
        ("tls_cert", 1),
        ("sadp", 2),
        ("banner_other", 0.7),
        ("mac", 1.5),
        ("model_string", 1),
        ("firmware_string", 1),
        ("ssdp_description", 0.5),
    ),
    "dahua": (
        ("http", 4),
        ("dahua_cgi", 2),
        ("onvif_device_information", 1.5),
        ("ws_discovery", 1.5),
        ("rtsp", 1.5),
        ("tls_cert", 1),
        ("dhip", 2),
        ("banner_other", 0.7),
        ("mac", 1.5),
        ("model_string", 1),
        ("firmware_string", 1),
        ("ssdp_description", 0.5),
    ),
    "huawei": (
        ("http", 4),
        ("ssdp_description", 2),
        ("tls_cert", 1),
        ("banner_other", 2),
        ("mac", 1.5),
        ("model_string", 1),
        ("firmware_string", 1),
    ),
    "zte": (
        ("http", 4),
        ("ssdp_description", 2),
        ("banner_other", 2),
        ("mac", 1.5),
        ("model_string", 1),
        ("firmware_string", 1),
    ),
    "hytera": (("mac", 1), ("model_string", 2), ("firmware_string", 1), ("banner_other", 1)),
}
_DEFAULT_PROTOCOLS = (
    ("http", 4),
    ("onvif_device_information", 1.5),
    ("ws_discovery", 1.5),
    ("rtsp", 1.5),
    ("tls_cert", 1),
    ("banner_other", 1),
    ("mac", 1.5),
    ("model_string", 1),
    ("firmware_string", 1),
    ("ssdp_description", 1),
)


def record_lines(n: int, seed: int = SEED) -> Iterator[str]:
    """``n`` JSON Lines records: about 70% single-observation, 30% multi-observation."""
    r = random.Random(seed + 11)
    devices = device_pool(seed)
    dweights = [1.0 / (i + 1) ** 0.7 for i in range(len(devices))]
    cum: list[float] = []
    acc = 0.0
    for w in dweights:
        acc += w
        cum.append(acc)
    for i in range(n):
        dev = r.choices(devices, cum_weights=cum)[0]
        ctx = _Ctx(r, dev)
        protos = _PROTOCOLS.get(dev.family, _DEFAULT_PROTOCOLS)
        names = [p for p, _ in protos]
        weights = [w for _, w in protos]
        rid = f"{ctx.ip}-{i}"
        if r.random() < 0.7:
            p = r.choices(names, weights=weights)[0]
            rec: dict[str, object] = {"id": rid, "protocol": p, "raw": RENDER[p](ctx)}
        else:
            k = r.randint(2, 4)
            picked = list(dict.fromkeys(r.choices(names, weights=weights, k=k + 2)))[:k]
            obs = [
                {"protocol": p, "raw": RENDER[p](ctx), "source": f"{ctx.ip}:{_c(r, '80', '554', '443', '37020')}"}
                for p in picked
            ]
            rec = {"id": rid, "observations": obs}
            if r.random() < 0.3:
                rec["mac"] = ctx.mac_colon()
        yield json.dumps(rec, ensure_ascii=False)


def write_records(path: Path, n: int, seed: int = SEED) -> Path:
    """Write ``n`` JSON Lines records to ``path``."""
    with path.open("w", encoding="utf-8") as fh:
        for line in record_lines(n, seed):
            fh.write(line + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("catalog")
    c.add_argument("out", type=Path)
    c.add_argument("--rows", type=int, default=100_000)
    c.add_argument("--distinct", action="store_true")
    c.add_argument("--seed", type=int, default=SEED)
    rr = sub.add_parser("records")
    rr.add_argument("out", type=Path)
    rr.add_argument("--records", type=int, default=200_000)
    rr.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args(argv)
    if a.what == "catalog":
        write_catalog(a.out, a.rows, a.seed, a.distinct)
    else:
        write_records(a.out, a.records, a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
