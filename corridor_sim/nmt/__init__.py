"""Non-motorised transport: walking access to stops on the OSM walk network, and walking catchments."""
