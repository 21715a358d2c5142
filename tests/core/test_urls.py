"""The URL configuration's order: the API first, which must not change what any path reaches."""

from django.urls import URLPattern, URLResolver, get_resolver


def _routes(patterns: list, prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern.url_patterns, route)
        else:
            assert isinstance(pattern, URLPattern)
            routes.append(route)
    return routes


def test_the_api_is_resolved_first_and_no_other_route_starts_like_it():
    first, *rest = get_resolver().url_patterns
    assert str(first.pattern) == "api/v1/"
    others = _routes(rest)
    assert others, "the site's own pages are configured after the API"
    assert not [route for route in others if route.startswith("api/v1/")]


def test_the_only_route_two_api_apps_share_is_the_teams_submission():
    # Each app's routes: moving an app's include in the list shadows no other's, but for the
    # submission, which the teams API extends and so must come first.
    from collections import Counter

    from django.urls import resolve

    from apps.teams.api import TeamAwareSubmitView

    apps = get_resolver().url_patterns[0].url_patterns
    counts = Counter(route for app in apps for route in set(_routes(app.url_patterns)))
    assert [route for route, n in counts.items() if n > 1] == ["assessments/"]
    assert resolve("/api/v1/assessments/").func.view_class is TeamAwareSubmitView
