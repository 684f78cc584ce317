"""Nearest-neighbour statistics (no Qt): k-th NN distance distributions and partial RDFs, each against a
label-shuffled reference of the same data."""

from hea_studio.compute.neighbours.knn import NNDistribution, knn_distribution
from hea_studio.compute.neighbours.rdf import PartialRDF, partial_rdf

__all__ = ["NNDistribution", "PartialRDF", "knn_distribution", "partial_rdf"]
