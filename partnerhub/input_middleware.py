"""Refuses URLs and query strings with control characters before any view, session or database sees
them (issue 14, item 3): `/reporting/calendar/%00.ics` or `?partner=%00` answered 500 on PostgreSQL,
which refuses NUL in text. One clear 400 answer for every page, signed in or not."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from .input_bounds import describe_character, find_control_character


class RejectControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self.problem(request)
        if problem:
            response = HttpResponseBadRequest(
                f"Bad request: {problem} contains an invisible control character. Remove it and try again.\n",
                content_type="text/plain; charset=utf-8",
            )
            return response
        return self.get_response(request)

    @staticmethod
    def problem(request: HttpRequest) -> str | None:
        char = find_control_character(request.path)
        if char is not None:
            return f"the address ({describe_character(char)})"
        for name, values in request.GET.lists():
            for text in (name, *values):
                char = find_control_character(text)
                if char is not None:
                    shown = find_control_character(name) is None and name[:40]
                    where = f"the query parameter {shown!r}" if shown else "a query parameter"
                    return f"{where} ({describe_character(char)})"
        return None
