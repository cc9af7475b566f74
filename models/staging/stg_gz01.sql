{{ stage_schema('GZ01') }}
