{{ stage_schema('H01A') }}
