"""Indian trading costs: fee models (cash, exact to the paisa) and slippage models (price).

* :class:`FeeModel` prices a :class:`TradeLeg` into itemised
  :class:`~vyapari.model.charges.Charges` (brokerage, STT, exchange transaction charge,
  IPFT, SEBI fee, stamp duty, GST, DP) from dated statutory schedules
  (:mod:`vyapari.costs.schedules`) and a broker's brokerage (:mod:`vyapari.costs.brokerage`);
  ``charges_total_array`` is its vectorised twin for the backtest kernel.
* Models: :class:`IndianEquityFees` (+ :class:`ZerodhaFees`, :class:`UpstoxFees`),
  :class:`SimpleFees` (bps brokerage only), :class:`NoFees`; normalise user input with
  :func:`fee_model_from_spec` (``"zerodha"``, ``"upstox"``, ``"none"``, ``"bps:N"``).
* :func:`round_trip` prices a buy and/or sell and gives the total and break-even move.
* Slippage: :class:`SlippageModel`, :class:`NoSlippage`, :class:`FixedBpsSlippage`,
  :class:`VolumeShareSlippage`.
"""

from vyapari.costs.base import FeeModel, NoFees, SimpleFees, TradeLeg
from vyapari.costs.brokerage import UPSTOX_BROKERAGE, ZERODHA_BROKERAGE, BrokerageRule, BrokerageSchedule
from vyapari.costs.indian import IndianEquityFees, UpstoxFees, ZerodhaFees
from vyapari.costs.regimes import SegmentSchedule, StatutoryRates, segment_schedule
from vyapari.costs.round_trip import RoundTripCharges, round_trip
from vyapari.costs.schedules import FIRST_SCHEDULE_DATE
from vyapari.costs.slippage import (
    UNLIMITED,
    FixedBpsSlippage,
    NoSlippage,
    SlippageModel,
    VolumeShareSlippage,
)
from vyapari.costs.spec import FEE_SPECS, fee_model_from_spec

__all__ = [
    "FEE_SPECS",
    "FIRST_SCHEDULE_DATE",
    "UNLIMITED",
    "UPSTOX_BROKERAGE",
    "ZERODHA_BROKERAGE",
    "BrokerageRule",
    "BrokerageSchedule",
    "FeeModel",
    "FixedBpsSlippage",
    "IndianEquityFees",
    "NoFees",
    "NoSlippage",
    "RoundTripCharges",
    "SegmentSchedule",
    "SimpleFees",
    "SlippageModel",
    "StatutoryRates",
    "TradeLeg",
    "UpstoxFees",
    "VolumeShareSlippage",
    "ZerodhaFees",
    "fee_model_from_spec",
    "round_trip",
    "segment_schedule",
]
