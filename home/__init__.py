"""Home pages: what each persona has to do today, gathered from every app's selectors.

It sits above the apps (it reads deals, enablement, MDF and the tier review), so it is a
package of its own rather than part of ``partners``, which those apps import.
"""
