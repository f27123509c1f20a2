"""Pagination of every list of the API: {count, next, previous, results}."""
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Every list of the API: 20 a page by default, `page_size` up to 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
