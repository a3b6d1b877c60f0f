"""The funding case: costs, the economic and financial appraisal, its risk, GHG the GEF way and SDG indicators.

- :mod:`~corridor_sim.appraisal.defaults`: the funders' discount rates and the bus price factors;
- :mod:`~corridor_sim.appraisal.costs`: the capital cost by item and the operating cost a year;
- :mod:`~corridor_sim.appraisal.vsl`: the value of a statistical life from GNI per capita;
- :mod:`~corridor_sim.appraisal.benefits`: the benefits of a year of operation at the simulated demand;
- :mod:`~corridor_sim.appraisal.cash_flows`: the flows by year and NPV, EIRR, BCR, FYRR, FIRR;
- :mod:`~corridor_sim.appraisal.risk`: Monte Carlo, switching values and the sensitivity ranking;
- :mod:`~corridor_sim.appraisal.ghg`: lifetime direct reductions and the GEF unit abatement cost;
- :mod:`~corridor_sim.appraisal.sdg`: SDG 3.6, 11.2.1 and 11.6 from the run;
- :mod:`~corridor_sim.appraisal.section`: all of it as the summary's ``appraisal`` section.
"""
