-- The district's figures of $period as district_figures defines them (as of $as_of, a closed month's closing): the
-- one rule the 全区 report and analysts share.
select form_code, indicator_code, month_value, ytd_value, prior_ytd_value, yoy_pct, n_orgs, n_carried, carried_orgs
from district_figures_as_of($as_of)
where period = $period;
