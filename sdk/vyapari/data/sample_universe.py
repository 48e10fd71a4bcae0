"""Fixed universes of the synthetic sample: NIFTY 50 and SENSEX constituents (a 2025 snapshot).

Reference prices are rough ₹ levels for realism only; the sample data is synthetic. BSE scrip codes
of the synthetic UDiFF files are placeholders (``FinInstrmId`` = 900000 + position), not real codes.
"""

from __future__ import annotations

# symbol -> rough reference price in ₹
NIFTY50: dict[str, float] = {
    "ADANIENT": 2400, "ADANIPORTS": 1400, "APOLLOHOSP": 7500, "ASIANPAINT": 2500, "AXISBANK": 1100,
    "BAJAJ-AUTO": 8600, "BAJFINANCE": 900, "BAJAJFINSV": 2000, "BEL": 400, "BHARTIARTL": 1900,
    "CIPLA": 1500, "COALINDIA": 390, "DRREDDY": 1250, "EICHERMOT": 6500, "ETERNAL": 320,
    "GRASIM": 2800, "HCLTECH": 1500, "HDFCBANK": 970, "HDFCLIFE": 770, "HEROMOTOCO": 5300,
    "HINDALCO": 750, "HINDUNILVR": 2500, "ICICIBANK": 1400, "INDUSINDBK": 750, "INFY": 1500,
    "ITC": 410, "JIOFIN": 310, "JSWSTEEL": 1100, "KOTAKBANK": 2100, "LT": 3600,
    "M&M": 3400, "MARUTI": 15000, "NESTLEIND": 1200, "NTPC": 340, "ONGC": 240,
    "POWERGRID": 290, "RELIANCE": 1380, "SBILIFE": 1800, "SBIN": 820, "SHRIRAMFIN": 630,
    "SUNPHARMA": 1650, "TATACONSUM": 1100, "TATAMOTORS": 680, "TATASTEEL": 170, "TCS": 3100,
    "TECHM": 1500, "TITAN": 3500, "TRENT": 5000, "ULTRACEMCO": 12000, "WIPRO": 250,
}

SENSEX: tuple[str, ...] = (
    "ADANIPORTS", "ASIANPAINT", "AXISBANK", "BAJAJFINSV", "BAJFINANCE", "BEL", "BHARTIARTL", "ETERNAL",
    "HCLTECH", "HDFCBANK", "HINDUNILVR", "ICICIBANK", "INFY", "ITC", "KOTAKBANK", "LT", "M&M", "MARUTI",
    "NESTLEIND", "NTPC", "POWERGRID", "RELIANCE", "SBIN", "SUNPHARMA", "TATAMOTORS", "TATASTEEL", "TCS",
    "TECHM", "TITAN", "ULTRACEMCO",
)

# The sample's corporate actions: (symbol, purpose, position of the ex-date in the session list as a
# fraction of the window). The split and bonus change raw prices on their ex-date.
SAMPLE_ACTIONS: tuple[tuple[str, str, float], ...] = (
    ("MARUTI", "Face Value Split (Sub-Division) - From Rs 5/- Per Share To Re 1/- Per Share", 0.5),
    ("HDFCBANK", "Bonus 1:1", 0.7),
    ("ITC", "Interim Dividend - Rs 6.50 Per Share", 0.3),
    ("TCS", "Annual General Meeting", 0.6),
)
FACE_VALUES: dict[str, str] = {"MARUTI": "5", "HDFCBANK": "1", "ITC": "1", "TCS": "1"}
COMPANY_NAMES: dict[str, str] = {
    "MARUTI": "Maruti Suzuki India Limited", "HDFCBANK": "HDFC Bank Limited", "ITC": "ITC Limited",
    "TCS": "Tata Consultancy Services Limited",
}
