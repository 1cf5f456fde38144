select id, tier from "main"."customers_history" where dpf_valid_to is null
