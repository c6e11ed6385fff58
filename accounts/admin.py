from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from accounts import mfa, services
from accounts.models import Team, Tenant, User, time_zone_names
from core.admin import TenantScopedAdmin
from crm.models import ObjectType, RecordScope
from crm.records import services as record_services
from sensitive import grants


class TenantCreationForm(forms.ModelForm):
    # No password: the first super admin is emailed a link and chooses their own (the operator never knows it).
    admin_email = forms.EmailField(
        label="First super admin's email", help_text="They are emailed a link to set their own password."
    )

    class Meta:
        model = Tenant
        fields = ["name"]

    def clean_admin_email(self) -> str:
        # tenant_create checks this too; here it becomes an error next to the field rather than a 500.
        email = self.cleaned_data["admin_email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(f"A user with the email {email} already exists.")
        return email


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    """Platform operators manage tenants; they never see a tenant's sensitive values."""

    list_display = ["name", "created_at", "user_count"]
    search_fields = ["name"]
    # What an operator changes: the name, and the REST API's rate limits (the tenant's own security
    # settings are its super admins', in /settings/security/).
    CHANGE_FIELDS = ["name", "api_burst_per_10_seconds", "api_search_per_second", "api_daily"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TenantCreationForm
        else:
            kwargs["fields"] = self.CHANGE_FIELDS
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return self.CHANGE_FIELDS if obj is not None else super().get_fields(request, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_platform_operator:
            return queryset
        return queryset.filter(pk=request.user.tenant_id)

    @admin.display(description="Users")
    def user_count(self, tenant: Tenant) -> int:
        return tenant.users.exclude(role=User.Role.APP).count()

    def has_module_permission(self, request) -> bool:
        return request.user.is_platform_operator or request.user.is_super_admin

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return request.user.is_platform_operator

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_platform_operator

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            obj.save(update_fields=[*self.CHANGE_FIELDS, "updated_at"])
            return
        tenant, _ = services.tenant_create(
            name=form.cleaned_data["name"], admin_email=form.cleaned_data["admin_email"], actor=request.user
        )
        obj.pk = tenant.pk

    def save_related(self, request, form, formsets, change) -> None:
        if change:
            super().save_related(request, form, formsets, change)


PEOPLE_ROLES = [(value, label) for value, label in User.Role.choices if value != User.Role.APP]


class UserAdminForm(forms.ModelForm):
    """Adding a user: no password; they are emailed a link to set their own."""

    role = forms.ChoiceField(choices=PEOPLE_ROLES, initial=User.Role.MEMBER)

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role", "is_active"]
        help_texts = {"email": "They are emailed a link to set their own password."}


class UserChangeAdminForm(forms.ModelForm):
    role = forms.ChoiceField(choices=PEOPLE_ROLES)

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "time_zone", "role", "is_active"]
        widgets = {"time_zone": forms.Select(choices=[(name, name) for name in time_zone_names()])}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A post without the field (a script, a page from before the field existed) keeps the current zone.
        # A view-only form (a platform operator's) has no fields at all.
        if "time_zone" in self.fields:
            self.fields["time_zone"].required = False

    def clean_time_zone(self) -> str:
        return self.cleaned_data["time_zone"] or self.instance.time_zone


@admin.register(User)
class UserAdmin(TenantScopedAdmin):
    """Users are deactivated, not deleted (their history and records point at them); every change of role,
    activation, email or name goes through the services, like the settings UI's. The site asks for a
    fresh confirmation before any change."""

    actions = ["reset_mfa", "deactivate", "reactivate"]

    @admin.action(
        description="Reset two-factor sign-in (they enrol again at their next sign-in)", permissions=["change"]
    )
    def reset_mfa(self, request, queryset) -> None:
        for user in queryset:
            mfa.mfa_reset(actor=request.user, user=user)
        self.message_user(request, f"Reset two-factor sign-in of {queryset.count()} users.")

    @admin.action(description="Deactivate (they are signed out and can no longer sign in)", permissions=["change"])
    def deactivate(self, request, queryset) -> None:
        self._each(request, queryset, services.user_deactivate, "Deactivated")

    @admin.action(description="Reactivate", permissions=["change"])
    def reactivate(self, request, queryset) -> None:
        self._each(request, queryset, services.user_reactivate, "Reactivated")

    def _each(self, request, queryset, service, done: str) -> None:
        count = 0
        for user in queryset:
            try:
                service(actor=request.user, user=user)
            except ValidationError as exc:
                self.message_user(request, f"{user.email}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, f"{done} {count} user{'' if count == 1 else 's'}.")

    list_display = ["email", "first_name", "last_name", "role", "tenant", "is_active", "last_login"]

    def get_queryset(self, request):
        # Private apps' own users are managed on the apps' page (settings), never as people.
        return super().get_queryset(request).exclude(role=User.Role.APP)

    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["tenant", "last_login", "date_joined"]

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not RecordScope:
            return super().save_formset(request, form, formset, change)
        for scope_form in formset.forms:
            data = getattr(scope_form, "cleaned_data", None)
            if data and not data.get("DELETE") and data.get("object_type"):
                record_services.record_scope_set(
                    actor=request.user, user=form.instance, object_type=data["object_type"], scope=data["scope"]
                )
        for deleted in formset.deleted_forms:
            if deleted.instance.pk:
                record_services.record_scope_set(
                    actor=request.user,
                    user=form.instance,
                    object_type=deleted.instance.object_type,
                    scope=RecordScope.Scope.ALL,
                )
        # What the admin's change message reads; the service did the saving.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = UserAdminForm
            kwargs["fields"] = ["email", "first_name", "last_name", "role"]
        else:
            kwargs["form"] = UserChangeAdminForm
            kwargs["fields"] = UserChangeAdminForm.Meta.fields
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "first_name", "last_name", "role"]
        return [
            "email",
            "first_name",
            "last_name",
            "time_zone",
            "role",
            "is_active",
            "tenant",
            "last_login",
            "date_joined",
        ]

    def get_inlines(self, request, obj):
        return [RecordScopeInline] if obj is not None and request.user.is_super_admin else []

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Adds, for super admins, every sensitive property the user can view or edit and through what."""
        extra_context = extra_context or {}
        user = User.objects.filter(pk=object_id, tenant_id=request.user.tenant_id).first()
        if user is not None and request.user.is_super_admin:
            extra_context["sensitive_access"] = grants.user_access_list(actor=request.user, user=user)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            self._change(request.user, obj, form)
            return
        user = services.user_create(
            actor=request.user,
            email=form.cleaned_data["email"],
            first_name=form.cleaned_data.get("first_name", ""),
            last_name=form.cleaned_data.get("last_name", ""),
            role=form.cleaned_data["role"],
        )
        obj.pk = user.pk

    def save_related(self, request, form, formsets, change) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def _change(self, actor: User, obj: User, form) -> None:
        """The form wrote its values onto `obj`; each change is made on the stored user by its service."""
        data, user = form.cleaned_data, User.objects.get(pk=obj.pk)
        if {"email", "first_name", "last_name", "time_zone"} & set(form.changed_data):
            profile = {name: data.get(name, getattr(user, name)) for name in ("first_name", "last_name", "time_zone")}
            user = services.user_update(actor=actor, user=user, email=data.get("email", user.email), **profile)
        if "role" in form.changed_data:
            change_role = (
                services.super_admin_add if data["role"] == User.Role.SUPER_ADMIN else services.super_admin_remove
            )
            user = change_role(actor=actor, user=user)
        if "is_active" in form.changed_data:
            change_active = services.user_reactivate if data["is_active"] else services.user_deactivate
            user = change_active(actor=actor, user=user)
        obj.refresh_from_db()


class RecordScopeInline(admin.TabularInline):
    model = RecordScope
    fk_name = "user"
    fields = ["object_type", "scope"]
    extra = 0
    verbose_name = "record scope"
    verbose_name_plural = "Which records this user sees (all, when not set)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "object_type":
            field.queryset = ObjectType.objects.for_tenant(request.user.tenant_id)
        return field

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.is_super_admin

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_super_admin

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_super_admin

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_super_admin


class TeamAdminForm(forms.ModelForm):
    members = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False)

    class Meta:
        model = Team
        fields = ["name"]


@admin.register(Team)
class TeamAdmin(TenantScopedAdmin):
    form = TeamAdminForm
    list_display = ["name", "member_count", "created_at"]
    search_fields = ["name"]

    @admin.display(description="Members")
    def member_count(self, team: Team) -> int:
        return team.group.user_set.count()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["members"].queryset = User.objects.people().filter(tenant_id=request.user.tenant_id)
        form.base_fields["members"].initial = list(obj.group.user_set.all()) if obj else []
        return form

    def save_model(self, request, obj, form, change) -> None:
        actor, name = request.user, form.cleaned_data["name"]
        if change:
            team = services.team_rename(actor=actor, team=Team.objects.get(pk=obj.pk), name=name)
        else:
            team = services.team_create(actor=actor, name=name)
        wanted = set(form.cleaned_data["members"])
        current = set(team.group.user_set.all())
        for user in wanted - current:
            services.team_member_add(actor=actor, team=team, user=user)
        for user in current - wanted:
            services.team_member_remove(actor=actor, team=team, user=user)
        obj.pk, obj.group, obj.name = team.pk, team.group, team.name

    def save_related(self, request, form, formsets, change) -> None:
        pass

    def delete_model(self, request, obj) -> None:
        # The team's group and its grants go with it: no former member keeps reading through them.
        services.team_delete(actor=request.user, team=obj)
