"""trueoem: see through the label of surveillance and telecom equipment.

For every catalog line, inventory row and device: what is it labelled, who really made it, is it
covered (NDAA FY2019 s.889, FAR 52.204-25, FCC Covered List), how sure are we, and why.
"""

__version__ = "0.1.0"
