"""Liuyanban: an open platform for online public-message work (网上群众工作平台)."""
