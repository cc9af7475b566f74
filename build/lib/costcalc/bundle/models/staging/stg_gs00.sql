{{ stage_schema('GS00') }}
