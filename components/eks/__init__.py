"""The network and EKS family: a VPC whose private subnets reach ECR without the internet, the
cluster, and managed node groups that pull from the registry and its caches."""

from .cluster import ClusterAdmin, EksCluster, EksClusterArgs
from .network import EksNetwork, EksNetworkArgs
from .node_group import EksNodeGroup, EksNodeGroupArgs, Taint

__all__ = ["ClusterAdmin", "EksCluster", "EksClusterArgs", "EksNetwork", "EksNetworkArgs", "EksNodeGroup",
           "EksNodeGroupArgs", "Taint"]
