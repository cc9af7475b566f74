{{ stage_schema('ASC01') }}
