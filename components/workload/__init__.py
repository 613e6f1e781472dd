"""The workload family: the service's image, built and pushed by content, its objects on the
cluster, running that image by digest, and the load balancer in front of it."""

from .front_door import ServiceFrontDoor, ServiceFrontDoorArgs
from .image import ServiceImage, ServiceImageArgs, image_tag
from .service import ServiceWorkload, ServiceWorkloadArgs

__all__ = ["ServiceFrontDoor", "ServiceFrontDoorArgs", "ServiceImage", "ServiceImageArgs", "ServiceWorkload",
           "ServiceWorkloadArgs", "image_tag"]
