"""The workload family: the service's image, built and pushed by content, and its objects on the
cluster, running that image by digest."""

from .image import ServiceImage, ServiceImageArgs
from .service import ServiceWorkload, ServiceWorkloadArgs

__all__ = ["ServiceImage", "ServiceImageArgs", "ServiceWorkload", "ServiceWorkloadArgs"]
