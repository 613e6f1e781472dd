"""The network and EKS family: a VPC whose private subnets reach ECR without the internet, the
cluster, and managed node groups that pull from the registry and its caches."""

from .cluster import AccessGrant, ClusterAdmin, EksCluster, EksClusterArgs, EksClusterSpec
from .network import EksNetwork, EksNetworkSpec
from .node_group import EksNodeGroup, EksNodeGroupArgs, NodeGroupSpec, Taint

__all__ = ["AccessGrant", "ClusterAdmin", "EksCluster", "EksClusterArgs", "EksClusterSpec", "EksNetwork", "EksNetworkSpec",
           "EksNodeGroup", "EksNodeGroupArgs", "NodeGroupSpec", "Taint"]
