"""Error reports without sensitive form fields: their names are dynamic, so they are hidden by prefix.

`sensitive_post_parameters` needs the names in advance; the record forms name their fields after
the tenant's properties (`sensitive__<name>`, see crm/forms.py and sensitive/forms.py). This filter
hides every POST key with one of these prefixes, in the report's POST section and in any
QueryDict a traceback frame holds, on every view, so a view that forgets the decorator leaks nothing.
"""

from __future__ import annotations

from django.views.debug import SafeExceptionReporterFilter

# "sensitive__": sensitive values in the record forms; "clear__sensitive__": their Clear checkboxes;
# "f.": the object index's posted filters, which may be sensitive values (crm/views.py record_index).
HIDDEN_PREFIXES = ("sensitive__", "clear__sensitive__", "f.")


class SensitiveFieldsExceptionReporterFilter(SafeExceptionReporterFilter):
    def _hide(self, request, multivaluedict):
        hidden = [key for key in multivaluedict if isinstance(key, str) and key.startswith(HIDDEN_PREFIXES)]
        if not hidden or not self.is_active(request):
            return multivaluedict
        multivaluedict = multivaluedict.copy()
        for key in hidden:
            multivaluedict[key] = self.cleansed_substitute
        return multivaluedict

    def get_post_parameters(self, request):
        return self._hide(request, super().get_post_parameters(request))

    def get_cleansed_multivaluedict(self, request, multivaluedict):
        return self._hide(request, super().get_cleansed_multivaluedict(request, multivaluedict))
