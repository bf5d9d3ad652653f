"""tokstack: a self-hosted server speaking TikTok's Open API v2 (Login Kit + User Data API)."""

__version__ = "0.1.0"
