"""Every Jetpak purpose in both language versions: the exact answer for a grid of facts.

Each row was checked by hand against the policy text and the law (see the comments on the scenario
table); a change in any rule file that moves one of these answers must be deliberate.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

import lawbasis

# Dates shared by every scenario unless it overrides ``dates``; as_of 2026-01-01.
D = {"contract_ended": "2025-06-30", "contact_collected": "2025-01-15", "fiscal_year_end": "2023-06-30"}
AS_OF = "2026-01-01"

# Scenario name -> facts on top of the defaults (customer, no channel, consent none, objection none).
SC: dict[str, list[tuple[str, dict[str, Any]]]] = {
 "contract": [
   ("customer", {}),
   ("former_customer", {"customer_status": "former_customer"}),
   ("prospect", {"customer_status": "prospect"}),
   ("objection_general", {"objection": "general"}),
   ("dispute", {"dispute": True}),
   ("dispute_objection", {"dispute": True, "objection": "general"}),
   ("erasure", {"erasure_requested": True}),
   ("erasure_dispute", {"erasure_requested": True, "dispute": True}),
   ("window_closed", {"as_of": "2028-07-01"}),
   ("consent_given", {"consent": "given"}),
 ],
 "marketing": [
   ("customer", {}),
   ("customer_post", {"channel": "post"}),
   ("customer_email_consent", {"channel": "email", "consent": "given"}),
   ("customer_email_no_consent", {"channel": "email"}),
   ("prospect_email_no_consent", {"customer_status": "prospect", "channel": "email"}),
   ("prospect_sms_consent", {"customer_status": "prospect", "channel": "sms", "consent": "explicit"}),
   ("former_withdrawn", {"customer_status": "former_customer", "channel": "email", "consent": "withdrawn", "dates": {**D, "consent_withdrawn": "2025-09-01"}}),
   ("post_withdrawn", {"channel": "post", "consent": "withdrawn"}),
   ("personalised_no_consent", {"personalised": True}),
   ("personalised_consent", {"personalised": True, "consent": "given"}),
   ("dm_objection", {"channel": "email", "consent": "given", "objection": "direct_marketing", "dates": {**D, "objection_received": "2025-08-01"}}),
   ("general_objection_compelling", {"channel": "post", "objection": "general", "compelling_grounds": True}),
   ("prospect_window_closed", {"customer_status": "prospect", "channel": "post", "as_of": "2026-01-16"}),
   ("prospect_window_last_day", {"customer_status": "prospect", "channel": "post", "as_of": "2026-01-15"}),
   ("dispute", {"channel": "post", "dispute": True}),
   ("erasure", {"channel": "post", "erasure_requested": True}),
 ],
 "business_development": [
   ("customer", {}),
   ("prospect", {"customer_status": "prospect"}),
   ("objection_general", {"objection": "general"}),
   ("objection_compelling", {"objection": "general", "compelling_grounds": True}),
   ("objection_dm", {"objection": "direct_marketing"}),
   ("objection_dispute", {"objection": "general", "dispute": True}),
   ("consent_withdrawn", {"consent": "withdrawn"}),
 ],
 "sales": [
   ("customer", {}),
   ("customer_phone", {"channel": "phone"}),
   ("prospect_email_no_consent", {"customer_status": "prospect", "channel": "email"}),
   ("prospect_email_consent", {"customer_status": "prospect", "channel": "email", "consent": "given"}),
   ("phone_dm_objection", {"channel": "phone", "objection": "direct_marketing", "compelling_grounds": True}),
   ("no_channel_dm_objection", {"objection": "direct_marketing"}),
   ("no_channel_general_objection", {"objection": "general"}),
   ("prospect", {"customer_status": "prospect"}),
 ],
 "restructuring": [
   # no corporate event: the purpose does not apply yet (undetermined, not unlawful)
   ("not_similar", {}),
   ("not_similar_acquired", {"corporate_event": "acquired"}),
   ("similar", {"acquirer_similar": True}),
   ("acquired", {"acquirer_similar": True, "corporate_event": "acquired"}),
   ("split", {"acquirer_similar": True, "corporate_event": "split"}),
   ("ceased", {"acquirer_similar": True, "corporate_event": "ceased"}),
   ("transferred", {"acquirer_similar": True, "corporate_event": "database_transferred"}),
   ("similar_objection", {"acquirer_similar": True, "objection": "general"}),
   ("not_similar_objection", {"objection": "general"}),
 ],
 "bookkeeping": [
   ("customer", {}),
   ("prospect", {"customer_status": "prospect"}),
   ("erasure", {"erasure_requested": True}),
   ("objection", {"objection": "general"}),
   ("dispute", {"dispute": True}),
   ("no_fiscal_year", {"dates": {}}),
 ],
 "crime_prevention": [
   ("customer", {}),
   ("objection", {"objection": "general"}),
   ("objection_compelling", {"objection": "general", "compelling_grounds": True}),
   ("erasure", {"erasure_requested": True}),
 ],
}

# (policy, purpose, scenario, lawful, basis letters, objection.applies, objection.continues,
#  objection.reason, may_process, retention.period, retention.from, retention.action,
#  retention.until, retention.extended, retention.stated_in_policy, finding codes in order)
EXPECTED = [
    ("jetpak-dk", "contract", "customer", 'yes', "b", None, True, 'no_right_to_object_for_basis', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'dangling_reference']),
    ("jetpak-dk", "contract", "former_customer", 'yes', "b", None, True, 'no_right_to_object_for_basis', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'dangling_reference']),
    ("jetpak-dk", "contract", "prospect", 'yes', "b", None, True, 'no_right_to_object_for_basis', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'dangling_reference']),
    ("jetpak-dk", "contract", "objection_general", 'yes', "b", None, True, 'no_right_to_object_for_basis', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'dangling_reference']),
    ("jetpak-dk", "contract", "dispute", 'yes', "bf", '21(1)', True, 'legal_claims', True, 'P36M', 'contract_ended', 'anonymise', None, True, True, ['cpr_condition_not_stated', 'extension_open_ended', 'language_versions_differ', 'dangling_reference']),
    ("jetpak-dk", "contract", "dispute_objection", 'yes', "bf", '21(1)', True, 'legal_claims', True, 'P36M', 'contract_ended', 'anonymise', None, True, True, ['cpr_condition_not_stated', 'extension_open_ended', 'language_versions_differ', 'dangling_reference']),
    ("jetpak-dk", "contract", "erasure", 'yes', "b", None, True, 'no_right_to_object_for_basis', False, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'dangling_reference']),
    ("jetpak-dk", "contract", "erasure_dispute", 'yes', "bf", '21(1)', True, 'legal_claims', True, 'P36M', 'contract_ended', 'anonymise', None, True, True, ['cpr_condition_not_stated', 'extension_open_ended', 'language_versions_differ', 'dangling_reference', 'erasure_limited_by_legal_claims']),
    ("jetpak-dk", "contract", "window_closed", 'yes', "b", None, True, 'no_right_to_object_for_basis', False, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'dangling_reference']),
    ("jetpak-dk", "contract", "consent_given", 'yes', "ab", None, True, 'no_right_to_object_for_basis', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'dangling_reference']),
    ("jetpak-dk", "marketing", "customer", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', True, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "customer_post", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', True, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "customer_email_consent", 'yes', "a", '21(2)', False, 'direct_marketing_absolute', True, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "customer_email_no_consent", 'no', "", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'consent_required_not_given', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "prospect_email_no_consent", 'no', "", '21(2)', False, 'direct_marketing_absolute', False, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['objection_override_unlawful', 'consent_required_not_given', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "prospect_sms_consent", 'yes', "a", '21(2)', False, 'direct_marketing_absolute', True, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "former_withdrawn", 'no', "", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2025-09-01', False, True, ['objection_override_unlawful', 'consent_required_not_given', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "post_withdrawn", 'no', "", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "personalised_no_consent", 'no', "", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'consent_required_not_given', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'profiling_basis_not_stated']),
    ("jetpak-dk", "marketing", "personalised_consent", 'yes', "a", '21(2)', False, 'direct_marketing_absolute', True, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'profiling_basis_not_stated']),
    ("jetpak-dk", "marketing", "dm_objection", 'yes', "a", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2025-08-01', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "general_objection_compelling", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "prospect_window_closed", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', False, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "prospect_window_last_day", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', True, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "dispute", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', True, 'P36M', 'contract_ended', 'delete', None, True, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "marketing", "erasure", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "business_development", "customer", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['device_access_consent_required', 'language_versions_differ']),
    ("jetpak-dk", "business_development", "prospect", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, None, None, 'delete', None, False, False, ['retention_not_stated', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "business_development", "objection_general", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', False, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['device_access_consent_required', 'language_versions_differ']),
    ("jetpak-dk", "business_development", "objection_compelling", 'yes', "f", '21(1)', True, 'compelling_legitimate_grounds', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['device_access_consent_required', 'language_versions_differ']),
    ("jetpak-dk", "business_development", "objection_dm", 'yes', "f", '21(1)', True, 'direct_marketing_objection_does_not_reach_purpose', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['device_access_consent_required', 'language_versions_differ']),
    ("jetpak-dk", "business_development", "objection_dispute", 'yes', "f", '21(1)', True, 'legal_claims', True, 'P36M', 'contract_ended', 'anonymise', None, True, True, ['device_access_consent_required', 'language_versions_differ']),
    ("jetpak-dk", "business_development", "consent_withdrawn", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['device_access_consent_required', 'language_versions_differ']),
    ("jetpak-dk", "sales", "customer", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section']),
    ("jetpak-dk", "sales", "customer_phone", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', True, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section']),
    ("jetpak-dk", "sales", "prospect_email_no_consent", 'no', "", '21(2)', False, 'direct_marketing_absolute', False, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['objection_override_unlawful', 'consent_required_not_given', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section']),
    ("jetpak-dk", "sales", "prospect_email_consent", 'yes', "a", '21(2)', False, 'direct_marketing_absolute', True, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section']),
    ("jetpak-dk", "sales", "phone_dm_objection", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section']),
    ("jetpak-dk", "sales", "no_channel_dm_objection", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section']),
    ("jetpak-dk", "sales", "no_channel_general_objection", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section']),
    ("jetpak-dk", "sales", "prospect", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section']),
    ("jetpak-dk", "restructuring", "not_similar", 'undetermined', "", None, True, 'no_basis_no_objection_to_weigh', False, None, None, 'delete', None, False, False, ['retention_not_stated', 'end_action_not_stated', 'language_versions_differ', 'purpose_not_applicable']),
    ("jetpak-dk", "restructuring", "not_similar_acquired", 'no', "", None, True, 'no_basis_no_objection_to_weigh', False, None, None, 'delete', None, False, True, ['end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "restructuring", "similar", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, None, None, 'delete', None, False, False, ['retention_not_stated', 'end_action_not_stated', 'language_versions_differ', 'purpose_not_applicable']),
    ("jetpak-dk", "restructuring", "acquired", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, None, None, 'delete', None, False, True, ['end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "restructuring", "split", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, None, None, 'delete', None, False, True, ['end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "restructuring", "ceased", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', False, None, None, 'delete', None, False, True, ['language_versions_differ', 'merger_read_as_cessation']),
    ("jetpak-dk", "restructuring", "transferred", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', False, None, None, 'delete', None, False, True, ['language_versions_differ', 'policy_text_ambiguous']),
    ("jetpak-dk", "restructuring", "similar_objection", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', False, None, None, 'delete', None, False, False, ['retention_not_stated', 'end_action_not_stated', 'language_versions_differ', 'purpose_not_applicable']),
    ("jetpak-dk", "restructuring", "not_similar_objection", 'undetermined', "", None, False, 'no_basis_shown_against_objection', False, None, None, 'delete', None, False, False, ['retention_not_stated', 'end_action_not_stated', 'language_versions_differ', 'purpose_not_applicable']),
    ("jetpak-dk", "bookkeeping", "customer", 'yes', "c", None, True, 'no_right_to_object_for_basis', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['retention_differs_from_statute', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "bookkeeping", "prospect", 'yes', "c", None, True, 'no_right_to_object_for_basis', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['retention_differs_from_statute', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "bookkeeping", "erasure", 'yes', "c", None, True, 'no_right_to_object_for_basis', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['retention_differs_from_statute', 'end_action_not_stated', 'language_versions_differ', 'erasure_limited_by_legal_obligation']),
    ("jetpak-dk", "bookkeeping", "objection", 'yes', "c", None, True, 'no_right_to_object_for_basis', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['retention_differs_from_statute', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "bookkeeping", "dispute", 'yes', "c", None, True, 'no_right_to_object_for_basis', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', None, True, True, ['retention_differs_from_statute', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "bookkeeping", "no_fiscal_year", 'yes', "c", None, True, 'no_right_to_object_for_basis', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', None, False, True, ['retention_differs_from_statute', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "crime_prevention", "customer", 'yes', "e", '21(1)', False, 'no_compelling_legitimate_grounds', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['public_interest_without_law', 'criminal_offence_data', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "crime_prevention", "objection", 'yes', "e", '21(1)', False, 'no_compelling_legitimate_grounds', False, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['public_interest_without_law', 'criminal_offence_data', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "crime_prevention", "objection_compelling", 'yes', "e", '21(1)', True, 'compelling_legitimate_grounds', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['public_interest_without_law', 'criminal_offence_data', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-dk", "crime_prevention", "erasure", 'yes', "e", '21(1)', False, 'no_compelling_legitimate_grounds', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['public_interest_without_law', 'criminal_offence_data', 'end_action_not_stated', 'language_versions_differ', 'erasure_limited_by_legal_obligation']),
    ("jetpak-se", "contract", "customer", 'yes', "b", None, True, 'no_right_to_object_for_basis', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'objection_outcome_not_stated']),
    ("jetpak-se", "contract", "former_customer", 'yes', "b", None, True, 'no_right_to_object_for_basis', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'objection_outcome_not_stated']),
    ("jetpak-se", "contract", "prospect", 'yes', "b", None, True, 'no_right_to_object_for_basis', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'objection_outcome_not_stated']),
    ("jetpak-se", "contract", "objection_general", 'yes', "b", None, True, 'no_right_to_object_for_basis', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'objection_outcome_not_stated']),
    ("jetpak-se", "contract", "dispute", 'yes', "bf", '21(1)', True, 'legal_claims', True, 'P36M', 'contract_ended', 'anonymise', None, True, True, ['cpr_condition_not_stated', 'extension_open_ended', 'language_versions_differ', 'objection_outcome_not_stated']),
    ("jetpak-se", "contract", "dispute_objection", 'yes', "bf", '21(1)', True, 'legal_claims', True, 'P36M', 'contract_ended', 'anonymise', None, True, True, ['cpr_condition_not_stated', 'extension_open_ended', 'language_versions_differ', 'objection_outcome_not_stated']),
    ("jetpak-se", "contract", "erasure", 'yes', "b", None, True, 'no_right_to_object_for_basis', False, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'objection_outcome_not_stated']),
    ("jetpak-se", "contract", "erasure_dispute", 'yes', "bf", '21(1)', True, 'legal_claims', True, 'P36M', 'contract_ended', 'anonymise', None, True, True, ['cpr_condition_not_stated', 'extension_open_ended', 'language_versions_differ', 'erasure_limited_by_legal_claims', 'objection_outcome_not_stated']),
    ("jetpak-se", "contract", "window_closed", 'yes', "b", None, True, 'no_right_to_object_for_basis', False, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'objection_outcome_not_stated']),
    ("jetpak-se", "contract", "consent_given", 'yes', "ab", None, True, 'no_right_to_object_for_basis', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['cpr_condition_not_stated', 'language_versions_differ', 'objection_outcome_not_stated']),
    ("jetpak-se", "marketing", "customer", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', True, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'retention_unit_missing']),
    ("jetpak-se", "marketing", "customer_post", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', True, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'retention_unit_missing']),
    ("jetpak-se", "marketing", "customer_email_consent", 'yes', "a", '21(2)', False, 'direct_marketing_absolute', True, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'retention_unit_missing']),
    ("jetpak-se", "marketing", "customer_email_no_consent", 'no', "", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['consent_required_not_given', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'retention_unit_missing']),
    ("jetpak-se", "marketing", "prospect_email_no_consent", 'no', "", '21(2)', False, 'direct_marketing_absolute', False, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['consent_required_not_given', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-se", "marketing", "prospect_sms_consent", 'yes', "a", '21(2)', False, 'direct_marketing_absolute', True, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-se", "marketing", "former_withdrawn", 'no', "", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2025-09-01', False, True, ['consent_required_not_given', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'retention_unit_missing']),
    ("jetpak-se", "marketing", "post_withdrawn", 'no', "", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'retention_unit_missing']),
    ("jetpak-se", "marketing", "personalised_no_consent", 'no', "", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['consent_required_not_given', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'profiling_basis_not_stated', 'retention_unit_missing']),
    ("jetpak-se", "marketing", "personalised_consent", 'yes', "a", '21(2)', False, 'direct_marketing_absolute', True, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'profiling_basis_not_stated', 'retention_unit_missing']),
    ("jetpak-se", "marketing", "dm_objection", 'yes', "a", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2025-08-01', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'retention_unit_missing']),
    ("jetpak-se", "marketing", "general_objection_compelling", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'retention_unit_missing']),
    ("jetpak-se", "marketing", "prospect_window_closed", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', False, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-se", "marketing", "prospect_window_last_day", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', True, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-se", "marketing", "dispute", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', True, 'P36M', 'contract_ended', 'delete', None, True, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'retention_unit_missing']),
    ("jetpak-se", "marketing", "erasure", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'retention_unit_missing']),
    ("jetpak-se", "business_development", "customer", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['objection_test_weaker_than_gdpr', 'device_access_consent_required', 'language_versions_differ']),
    ("jetpak-se", "business_development", "prospect", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, None, None, 'delete', None, False, False, ['objection_test_weaker_than_gdpr', 'retention_not_stated', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-se", "business_development", "objection_general", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', False, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['objection_test_weaker_than_gdpr', 'device_access_consent_required', 'language_versions_differ']),
    ("jetpak-se", "business_development", "objection_compelling", 'yes', "f", '21(1)', True, 'compelling_legitimate_grounds', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['objection_test_weaker_than_gdpr', 'device_access_consent_required', 'language_versions_differ']),
    ("jetpak-se", "business_development", "objection_dm", 'yes', "f", '21(1)', True, 'direct_marketing_objection_does_not_reach_purpose', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['objection_test_weaker_than_gdpr', 'device_access_consent_required', 'language_versions_differ']),
    ("jetpak-se", "business_development", "objection_dispute", 'yes', "f", '21(1)', True, 'legal_claims', True, 'P36M', 'contract_ended', 'anonymise', None, True, True, ['objection_test_weaker_than_gdpr', 'device_access_consent_required', 'language_versions_differ']),
    ("jetpak-se", "business_development", "consent_withdrawn", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, 'P36M', 'contract_ended', 'anonymise', '2028-06-30', False, True, ['objection_test_weaker_than_gdpr', 'device_access_consent_required', 'language_versions_differ']),
    ("jetpak-se", "sales", "customer", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_test_weaker_than_gdpr', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section', 'retention_unit_missing']),
    ("jetpak-se", "sales", "customer_phone", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', True, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'objection_test_weaker_than_gdpr', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section', 'retention_unit_missing']),
    ("jetpak-se", "sales", "prospect_email_no_consent", 'no', "", '21(2)', False, 'direct_marketing_absolute', False, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['objection_override_unlawful', 'objection_test_weaker_than_gdpr', 'consent_required_not_given', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section']),
    ("jetpak-se", "sales", "prospect_email_consent", 'yes', "a", '21(2)', False, 'direct_marketing_absolute', True, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['objection_override_unlawful', 'objection_test_weaker_than_gdpr', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section']),
    ("jetpak-se", "sales", "phone_dm_objection", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'objection_test_weaker_than_gdpr', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section', 'retention_unit_missing']),
    ("jetpak-se", "sales", "no_channel_dm_objection", 'yes', "f", '21(2)', False, 'direct_marketing_absolute', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_override_unlawful', 'objection_test_weaker_than_gdpr', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section', 'retention_unit_missing']),
    ("jetpak-se", "sales", "no_channel_general_objection", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', False, 'P36M', 'contract_ended', 'delete', '2028-06-30', False, True, ['objection_test_weaker_than_gdpr', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section', 'retention_unit_missing']),
    ("jetpak-se", "sales", "prospect", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, 'P12M', 'contact_collected', 'delete', '2026-01-15', False, True, ['objection_test_weaker_than_gdpr', 'device_access_consent_required', 'end_action_not_stated', 'language_versions_differ', 'purpose_without_section']),
    ("jetpak-se", "restructuring", "not_similar", 'undetermined', "", None, True, 'no_basis_no_objection_to_weigh', False, None, None, 'delete', None, False, False, ['objection_test_weaker_than_gdpr', 'retention_not_stated', 'end_action_not_stated', 'language_versions_differ', 'purpose_not_applicable']),
    ("jetpak-se", "restructuring", "not_similar_acquired", 'no', "", None, True, 'no_basis_no_objection_to_weigh', False, None, None, 'delete', None, False, True, ['objection_test_weaker_than_gdpr', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-se", "restructuring", "similar", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, None, None, 'delete', None, False, False, ['objection_test_weaker_than_gdpr', 'retention_not_stated', 'end_action_not_stated', 'language_versions_differ', 'purpose_not_applicable']),
    ("jetpak-se", "restructuring", "acquired", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, None, None, 'delete', None, False, True, ['objection_test_weaker_than_gdpr', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-se", "restructuring", "split", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', True, None, None, 'delete', None, False, True, ['objection_test_weaker_than_gdpr', 'end_action_not_stated', 'language_versions_differ']),
    ("jetpak-se", "restructuring", "ceased", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', False, None, None, 'delete', None, False, True, ['objection_test_weaker_than_gdpr', 'language_versions_differ', 'merger_read_as_cessation']),
    ("jetpak-se", "restructuring", "transferred", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', False, None, None, 'delete', None, False, True, ['objection_test_weaker_than_gdpr', 'language_versions_differ', 'policy_text_ambiguous']),
    ("jetpak-se", "restructuring", "similar_objection", 'yes', "f", '21(1)', False, 'no_compelling_legitimate_grounds', False, None, None, 'delete', None, False, False, ['objection_test_weaker_than_gdpr', 'retention_not_stated', 'end_action_not_stated', 'language_versions_differ', 'purpose_not_applicable']),
    ("jetpak-se", "restructuring", "not_similar_objection", 'undetermined', "", None, False, 'no_basis_shown_against_objection', False, None, None, 'delete', None, False, False, ['objection_test_weaker_than_gdpr', 'retention_not_stated', 'end_action_not_stated', 'language_versions_differ', 'purpose_not_applicable']),
    ("jetpak-se", "bookkeeping", "customer", 'yes', "c", None, True, 'no_right_to_object_for_basis', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['end_action_not_stated', 'language_versions_differ', 'statutory_duty_stated_as_permission']),
    ("jetpak-se", "bookkeeping", "prospect", 'yes', "c", None, True, 'no_right_to_object_for_basis', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['end_action_not_stated', 'language_versions_differ', 'statutory_duty_stated_as_permission']),
    ("jetpak-se", "bookkeeping", "erasure", 'yes', "c", None, True, 'no_right_to_object_for_basis', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['end_action_not_stated', 'language_versions_differ', 'erasure_limited_by_legal_obligation', 'statutory_duty_stated_as_permission']),
    ("jetpak-se", "bookkeeping", "objection", 'yes', "c", None, True, 'no_right_to_object_for_basis', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['end_action_not_stated', 'language_versions_differ', 'statutory_duty_stated_as_permission']),
    ("jetpak-se", "bookkeeping", "dispute", 'yes', "c", None, True, 'no_right_to_object_for_basis', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', None, True, True, ['end_action_not_stated', 'language_versions_differ', 'statutory_duty_stated_as_permission']),
    ("jetpak-se", "bookkeeping", "no_fiscal_year", 'yes', "c", None, True, 'no_right_to_object_for_basis', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', None, False, True, ['end_action_not_stated', 'language_versions_differ', 'statutory_duty_stated_as_permission']),
    ("jetpak-se", "crime_prevention", "customer", 'yes', "e", '21(1)', False, 'no_compelling_legitimate_grounds', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['criminal_offence_data', 'objection_test_weaker_than_gdpr', 'public_interest_without_law', 'end_action_not_stated', 'language_versions_differ', 'purpose_list_differs_from_section']),
    ("jetpak-se", "crime_prevention", "objection", 'yes', "e", '21(1)', False, 'no_compelling_legitimate_grounds', False, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['criminal_offence_data', 'objection_test_weaker_than_gdpr', 'public_interest_without_law', 'end_action_not_stated', 'language_versions_differ', 'purpose_list_differs_from_section']),
    ("jetpak-se", "crime_prevention", "objection_compelling", 'yes', "e", '21(1)', True, 'compelling_legitimate_grounds', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['criminal_offence_data', 'objection_test_weaker_than_gdpr', 'public_interest_without_law', 'end_action_not_stated', 'language_versions_differ', 'purpose_list_differs_from_section']),
    ("jetpak-se", "crime_prevention", "erasure", 'yes', "e", '21(1)', False, 'no_compelling_legitimate_grounds', True, 'P7Y', 'end_of_calendar_year_of_fiscal_year_end', 'delete', '2030-12-31', False, True, ['criminal_offence_data', 'objection_test_weaker_than_gdpr', 'public_interest_without_law', 'end_action_not_stated', 'language_versions_differ', 'erasure_limited_by_legal_obligation', 'purpose_list_differs_from_section']),
]


def _facts(policy: str, purpose: str, scenario: str) -> dict[str, Any]:
    extra = dict(SC[purpose])[scenario]
    return {"policy": policy, "purpose": purpose, "dates": D, "as_of": AS_OF, **extra}


def test_every_scenario_has_an_expectation() -> None:
    keys = {(p, u, s) for p, u, s, *_ in EXPECTED}
    wanted = {(p, u, s) for p in ("jetpak-dk", "jetpak-se") for u, scs in SC.items() for s, _ in scs}
    assert keys == wanted
    purposes = {u for _, u, *_ in EXPECTED}
    assert purposes == {"contract", "marketing", "business_development", "sales", "restructuring",
                        "bookkeeping", "crime_prevention"}


@pytest.mark.parametrize(
    "policy,purpose,scenario,lawful,letters,applies,continues,reason,may,period,from_,action,until,extended,stated,codes",
    EXPECTED,
    ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in EXPECTED],
)
def test_decision(
    policy: str, purpose: str, scenario: str, lawful: str, letters: str, applies: str | None,
    continues: bool, reason: str, may: bool, period: str | None, from_: str | None, action: str,
    until: str | None, extended: bool, stated: bool, codes: list[str],
) -> None:
    d = lawbasis.evaluate(_facts(policy, purpose, scenario))
    assert d.lawful == lawful
    assert d.basis_letters == list(letters)
    assert (d.objection.applies, d.objection.continues, d.objection.reason) == (applies, continues, reason)
    assert d.may_process is may
    r = d.retention
    assert (r.period, r.from_, r.action) == (period, from_, action)
    assert r.until == (dt.date.fromisoformat(until) if until else None)
    assert r.extended is extended
    assert r.stated_in_policy is stated
    assert d.finding_codes == codes
    # the JSON form says the same
    out = d.to_dict()
    assert out["lawful"] == lawful
    assert [b["letter"] for b in out["bases"]] == list(letters)
    assert out["objection"] == {"applies": applies, "continues": continues, "reason": reason}
    assert out["retention"] == {"period": period, "from": from_, "action": action, "until": until,
                                "extended": extended, "stated_in_policy": stated}
    assert [f["code"] for f in out["findings"]] == codes


# --- bases: stated in the policy or supplied by the law --------------------------------------------

@pytest.mark.parametrize(
    "policy,purpose,extra,expected",
    [
        ("jetpak-dk", "contract", {}, {"b": True}),
        ("jetpak-dk", "contract", {"dispute": True}, {"b": True, "f": True}),
        ("jetpak-dk", "contract", {"consent": "given"}, {"a": False, "b": True}),
        ("jetpak-se", "marketing", {"channel": "email", "consent": "given"}, {"a": True}),
        ("jetpak-dk", "sales", {"customer_status": "prospect", "channel": "sms", "consent": "given"}, {"a": False}),
        ("jetpak-se", "bookkeeping", {}, {"c": True}),
        ("jetpak-dk", "crime_prevention", {}, {"e": True}),
        ("jetpak-se", "restructuring", {"acquirer_similar": True}, {"f": True}),
    ],
)
def test_basis_stated_in_policy(policy: str, purpose: str, extra: dict[str, Any], expected: dict[str, bool]) -> None:
    d = lawbasis.evaluate({"policy": policy, "purpose": purpose, **extra})
    assert {b.letter: b.stated_in_policy for b in d.bases} == expected
    for b in d.to_dict()["bases"]:
        assert b["article"] == f"GDPR Art. 6(1)({b['letter']})"
        assert b["dpv"] == f"https://w3id.org/dpv/legal/eu/gdpr#A6-1-{b['letter']}"


# --- the departures the texts contain ------------------------------------------------------------

def _finding(d: lawbasis.Decision, code: str) -> lawbasis.Finding:
    (found,) = [f for f in d.findings if f.code == code]
    return found


def test_dk_bookkeeping_policy_window_and_statutory_window() -> None:
    d = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": "bookkeeping",
                           "dates": {"fiscal_year_end": "2023-06-30"}, "as_of": "2026-01-01"})
    assert d.basis_letters == ["c"]
    assert d.retention.period == "P7Y"
    assert d.retention.from_ == "end_of_calendar_year_of_fiscal_year_end"
    assert d.retention.until == dt.date(2030, 12, 31)
    assert d.retention.stated_in_policy is True
    f = _finding(d, "retention_differs_from_statute")
    assert f.severity == "violation"
    assert "Statutory window: P5Y from fiscal_year_end, until 2028-06-30." in f.message
    assert any("bogføringsloven" in (c.law or "") for step in d.trace for c in step.cites)


def test_dk_bookkeeping_statutory_window_without_a_date() -> None:
    d = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": "bookkeeping"})
    f = _finding(d, "retention_differs_from_statute")
    assert f.message.endswith("Statutory window: P5Y from fiscal_year_end.")
    assert d.retention.until is None


def test_se_bookkeeping_matches_statute() -> None:
    d = lawbasis.evaluate({"policy": "jetpak-se", "purpose": "bookkeeping", "dates": {"fiscal_year_end": "2023-06-30"}})
    assert "retention_differs_from_statute" not in d.finding_codes
    assert _finding(d, "statutory_duty_stated_as_permission").severity == "info"


@pytest.mark.parametrize("purpose", ["marketing", "sales"])
def test_se_missing_month_unit(purpose: str) -> None:
    d = lawbasis.evaluate({"policy": "jetpak-se", "purpose": purpose, "dates": {"contract_ended": "2025-01-31"}})
    f = _finding(d, "retention_unit_missing")
    assert f.severity == "warning"
    assert "upp till 36 därefter" in f.message
    assert any(c.quote and "upp till 36 därefter" in c.quote for c in f.cites)
    assert d.retention.period == "P36M"
    assert d.retention.until == dt.date(2028, 1, 31)
    # prospects have a stated unit: no finding
    p = lawbasis.evaluate({"policy": "jetpak-se", "purpose": purpose, "customer_status": "prospect"})
    assert "retention_unit_missing" not in p.finding_codes
    # the Danish text states months
    dk = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": purpose})
    assert "retention_unit_missing" not in dk.finding_codes


def test_dk_marketing_override_is_unlawful_and_not_applied() -> None:
    facts = {"policy": "jetpak-dk", "purpose": "marketing", "channel": "post",
             "objection": "general", "compelling_grounds": True}
    d = lawbasis.evaluate(facts)
    f = _finding(d, "objection_override_unlawful")
    assert f.severity == "violation"
    assert any(c.quote and "overbevisende legitimt grundlag" in c.quote for c in f.cites)
    assert any(c.law == "GDPR Art. 21(3)" for c in f.cites)
    # the override the text states is not applied: the objection stops direct marketing
    assert d.objection.applies == "21(2)"
    assert d.objection.continues is False
    assert d.may_process is False
    # the Swedish marketing section states no override
    se = lawbasis.evaluate({**facts, "policy": "jetpak-se"})
    assert "objection_override_unlawful" not in se.finding_codes
    assert se.may_process is False


@pytest.mark.parametrize("purpose", ["business_development", "sales", "restructuring", "crime_prevention"])
def test_se_weaker_objection_test(purpose: str) -> None:
    d = lawbasis.evaluate({"policy": "jetpak-se", "purpose": purpose, "acquirer_similar": True, "objection": "general"})
    f = _finding(d, "objection_test_weaker_than_gdpr")
    assert f.severity == "violation"
    assert any(c.quote and "väger tyngre än dina intressen" in c.quote for c in f.cites)
    # the GDPR test is applied: no compelling grounds, no dispute -> processing stops
    assert d.objection.applies == "21(1)"
    assert d.objection.continues is False
    assert d.may_process is False
    dk = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": purpose, "acquirer_similar": True, "objection": "general"})
    assert "objection_test_weaker_than_gdpr" not in dk.finding_codes


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_public_interest_without_law(policy: str) -> None:
    d = lawbasis.evaluate({"policy": policy, "purpose": "crime_prevention"})
    f = _finding(d, "public_interest_without_law")
    assert f.severity == "violation"
    assert any(c.law == "GDPR Art. 6(3)" for c in f.cites)
    assert d.basis_letters == ["e"]
    b = lawbasis.evaluate({"policy": policy, "purpose": "bookkeeping"})
    assert "public_interest_without_law" not in b.finding_codes


@pytest.mark.parametrize("policy,other", [("jetpak-dk", "jetpak-se"), ("jetpak-se", "jetpak-dk")])
@pytest.mark.parametrize(
    "purpose", ["contract", "marketing", "business_development", "sales", "restructuring", "bookkeeping", "crime_prevention"]
)
def test_language_versions_differ_cites_both_versions(policy: str, other: str, purpose: str) -> None:
    d = lawbasis.evaluate({"policy": policy, "purpose": purpose})
    f = _finding(d, "language_versions_differ")
    assert f.severity == "warning"
    own = [c for c in f.cites if c.quote and c.policy == policy]
    theirs = [c for c in f.cites if c.quote and c.policy == other]
    assert own and theirs
    assert all(c.section for c in theirs)
    rendered = f.to_dict()["cites"]
    assert any(s.startswith(other) for s in rendered)


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_sales_who_is_contacted_differs(policy: str) -> None:
    d = lawbasis.evaluate({"policy": policy, "purpose": "sales"})
    quotes = " ".join(c.quote or "" for c in _finding(d, "language_versions_differ").cites)
    assert "Vi kan kontakte dig som kunde" in quotes
    assert "Vi kontaktar potentiella kunder" in quotes


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_sales_offers_are_direct_marketing(policy: str) -> None:
    # contacting someone to offer services is direct marketing: Art. 21(2), no override
    d = lawbasis.evaluate({"policy": policy, "purpose": "sales", "channel": "phone",
                           "objection": "direct_marketing", "compelling_grounds": True})
    assert d.objection.applies == "21(2)"
    assert d.objection.continues is False
    assert d.may_process is False
    assert "objection_override_unlawful" in d.finding_codes
    # sales work that contacts nobody is weighed under 21(1)
    q = lawbasis.evaluate({"policy": policy, "purpose": "sales", "objection": "general", "compelling_grounds": True})
    assert (q.objection.applies, q.objection.continues) == ("21(1)", True)
    assert "objection_override_unlawful" not in q.finding_codes


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
def test_objection_cuts_marketing_window(policy: str) -> None:
    d = lawbasis.evaluate({"policy": policy, "purpose": "marketing", "customer_status": "prospect", "channel": "post",
                           "objection": "direct_marketing",
                           "dates": {"contact_collected": "2025-01-15", "objection_received": "2025-03-01"},
                           "as_of": "2025-02-01"})
    assert d.retention.until == dt.date(2025, 3, 1)
    assert d.may_process is False


# --- traces ----------------------------------------------------------------------------------------

def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def _texts() -> dict[str, str]:
    engine = lawbasis.default_engine()
    root = Path(lawbasis.default_rules_dir())
    return {p.id: _norm((root / engine.policy(p.id).text_file).read_text(encoding="utf-8"))
            for p in engine.policies()}


TEXTS = _texts()


@pytest.mark.parametrize("row", EXPECTED, ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in EXPECTED])
def test_trace_cites_and_quotes_are_verbatim(row: tuple[Any, ...]) -> None:
    policy, purpose, scenario = row[:3]
    d = lawbasis.evaluate(_facts(policy, purpose, scenario))
    assert d.trace
    for step in d.to_dict()["trace"]:
        assert step["cites"], step["rule"]
        for cite in step["cites"]:
            assert "quote" in cite or "law" in cite
            if "quote" in cite:
                assert cite["policy"] in TEXTS
                assert _norm(cite["quote"]) in TEXTS[cite["policy"]], (step["rule"], cite["quote"])
                if "section" in cite:
                    assert _norm(cite["section"]) in TEXTS[cite["policy"]]
    # the rules that fired include this policy's own rules for the purpose
    assert any(r.startswith(f"{policy}/") for r in d.fired())
    assert d.fired() == [s.rule for s in d.trace]


def test_the_official_example_trace_step() -> None:
    d = lawbasis.evaluate({"policy": "jetpak-dk", "purpose": "marketing", "channel": "email", "consent": "given",
                           "dates": {"contract_ended": "2025-06-30"}})
    steps = {s["rule"]: s for s in d.to_dict()["trace"]}
    step = steps["jetpak-dk/marketing/electronic-needs-consent"]
    assert step["cites"] == [
        {"policy": "jetpak-dk", "section": "Markedsføring, herunder kundetilpasset annoncering",
         "quote": "Samtykke ved markedsføring af vores produkter og tjenester via e-mail, SMS, MMS og andre automatiske systemer."},
        {"law": "GDPR Art. 6(1)(a)"},
    ]


@pytest.mark.parametrize("policy", ["jetpak-dk", "jetpak-se"])
@pytest.mark.parametrize("purpose", list(SC))
@pytest.mark.parametrize("extra", [{}, {"objection": "general"}, {"channel": "email", "consent": "given"}])
def test_former_customer_is_treated_as_customer(policy: str, purpose: str, extra: dict[str, Any]) -> None:
    # both texts give one window for anyone who has been a customer ("Hvis du er kunde hos os" /
    # "För dig som är kund hos oss"), counted from the end of the contract
    facts = {"policy": policy, "purpose": purpose, "dates": D, "as_of": AS_OF, "acquirer_similar": True, **extra}
    customer = lawbasis.evaluate(facts).to_dict()
    former = lawbasis.evaluate({**facts, "customer_status": "former_customer"}).to_dict()
    assert former == customer
