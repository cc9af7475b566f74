{{ stage_schema('GS01') }}
