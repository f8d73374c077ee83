#!/bin/sh
# A table of activities (one row each, dates as columns) in; every row's decision and what to do today out.
set -e
cd "$(dirname "$0")/.."
lawbasis sweep tables/customers.csv --as-of 2026-11-22 --keep customer_id,policy,purpose --progress never
