"""Thin views: parse the request, call a selector or a service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from partnerhub import formatting
from partnerhub.files import attachment_response
from partnerhub.pagination import KeysFirstPaginator
from partnerhub.permissions import action_required
from partnerhub.roles import Action, user_can
from partnerhub.submit_once import submit_once
from partnerhub.view_helpers import apply_validation_error, safe_next

from . import exports, selectors, services
from .forms import (
    CollateralForm,
    ContactForm,
    ContractForm,
    OnboardingStartForm,
    OnboardingStepForm,
    OnboardingStepTemplateForm,
    OnboardingTrackForm,
    PartnerForm,
    RiskAssessmentForm,
    TeamMemberForm,
)
from .models import (
    Collateral,
    Contact,
    Contract,
    OnboardingStep,
    OnboardingStepTemplate,
    OnboardingTrack,
    Partner,
    PartnerTeamMember,
    SupplierRiskAssessment,
)
from .sections import PARTNER_SECTIONS, ordered_sections, section_context
from .vcard import contacts_to_vcard

PAGE_SIZE = 25


def partner_list(request: HttpRequest) -> HttpResponse:
    filterset, partners, sort = selectors.partner_list(params=request.GET, sort=request.GET.get("sort"), request=request)
    if request.GET.get("format") == "csv":
        return exports.PARTNER_COLUMNS.response("partners.csv", partners.iterator(chunk_size=500))
    page = KeysFirstPaginator(partners, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "partners/partner_list.html",
        {"filter": filterset, "page_obj": page, "sort": sort, "querystring": query.urlencode()},
    )


def partner_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        partner = selectors.partner_detail(slug=slug)
    except Partner.DoesNotExist:
        raise Http404
    assessments = list(partner.risk_assessments.all())
    return render(
        request,
        "partners/partner_detail.html",
        {
            "partner": partner,
            "current_risk": assessments[0] if assessments else None,
            "sections": ordered_sections(),
        },
    )


def partner_section(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """One section of the partner detail page, loaded by htmx after the page itself."""
    if key not in PARTNER_SECTIONS:
        raise Http404
    partner = get_object_or_404(Partner.objects.select_related("manager"), slug=slug)
    section, context = section_context(key, partner, request)
    template = "partners/_section_fragment.html" if request.htmx else "partners/section_page.html"
    return render(request, template, {"partner": partner, "s": section, "section": context})


@action_required(Action.MANAGE_PARTNERS)
@submit_once
def partner_create(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            partner = services.partner_create(
                name=data["name"],
                stage=data["stage"],
                manager=data["manager"],
                program_level=data["program_level"],
                website=data["website"],
                sync_cadence=data["sync_cadence"],
                markets=data["markets"],
                strategy=data["strategy"],
                why_together=data["why_together"],
                vshn_products=data["vshn_products"],
                pricing_details=data["pricing_details"],
                reporting_details=data["reporting_details"],
                types=list(data["types"]),
                by=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Partner {partner.name} created.")
            return redirect(partner)
    return render(request, "partners/partner_form.html", {"form": form, "title": "New partner"})


@action_required(Action.MANAGE_PARTNERS)
def partner_edit(request: HttpRequest, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner, slug=slug)
    form = PartnerForm(request.POST or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.partner_update(
                partner=Partner.objects.get(pk=partner.pk),
                name=data["name"],
                stage=data["stage"],
                manager=data["manager"],
                program_level=data["program_level"],
                website=data["website"],
                sync_cadence=data["sync_cadence"],
                markets=data["markets"],
                strategy=data["strategy"],
                why_together=data["why_together"],
                vshn_products=data["vshn_products"],
                pricing_details=data["pricing_details"],
                reporting_details=data["reporting_details"],
                types=list(data["types"]),
                by=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Partner saved.")
            return redirect(partner)
    return render(request, "partners/partner_form.html", {"form": form, "title": f"Edit {partner.name}", "partner": partner})


@require_POST
@action_required(Action.MANAGE_PARTNERS)
def partner_archive(request: HttpRequest, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner, slug=slug)
    archived = request.POST.get("archived", "1") == "1"
    services.partner_set_archived(partner=partner, archived=archived)
    messages.success(request, f"{partner.name} {'archived' if archived else 'restored'}.")
    return redirect(partner)


def _contact_form_view(request: HttpRequest, partner: Partner, contact: Contact) -> HttpResponse:
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_save(contact=form.instance)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Contact {contact.full_name} saved.")
            return redirect(reverse("partners:detail", kwargs={"slug": partner.slug}) + "#contacts")
    title = f"Edit {contact.full_name}" if contact.pk else f"New contact at {partner.name}"
    return render(request, "partners/form_page.html", {"form": form, "title": title, "partner": partner, "multipart": False})


@action_required(Action.MANAGE_CONTACTS)
@submit_once
def contact_create(request: HttpRequest, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner, slug=slug)
    return _contact_form_view(request, partner, Contact(partner=partner))


@action_required(Action.MANAGE_CONTACTS)
def contact_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("partner"), pk=pk, partner__slug=slug)
    return _contact_form_view(request, contact.partner, contact)


def contact_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    partner = get_object_or_404(Partner, slug=slug) if slug else None
    filterset, contacts = selectors.contact_list(params=request.GET, partner=partner)
    export = request.GET.get("format")
    filename = f"contacts-{partner.slug}" if partner else "contacts"
    if export == "csv":
        return exports.CONTACT_COLUMNS.response(f"{filename}.csv", contacts.iterator(chunk_size=500))
    if export == "vcf":
        response = HttpResponse(contacts_to_vcard(contacts), content_type="text/vcard; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.vcf"'
        return response
    page = KeysFirstPaginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "partners/contact_list.html",
        {"filter": filterset, "page_obj": page, "partner": partner, "querystring": query.urlencode()},
    )


def _contract_form_view(request: HttpRequest, partner: Partner, contract: Contract) -> HttpResponse:
    form = ContractForm(request.POST or None, request.FILES or None, instance=contract)
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_save(contract=form.instance)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Contract saved.")
            return redirect(reverse("partners:detail", kwargs={"slug": partner.slug}) + "#contracts")
    title = f"Edit {contract.title}" if contract.pk else f"New contract with {partner.name}"
    return render(request, "partners/form_page.html", {"form": form, "title": title, "partner": partner, "multipart": True})


@action_required(Action.MANAGE_PARTNERS)
@submit_once
def contract_create(request: HttpRequest, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner, slug=slug)
    return _contract_form_view(request, partner, Contract(partner=partner))


@action_required(Action.MANAGE_PARTNERS)
def contract_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    contract = get_object_or_404(Contract.objects.select_related("partner"), pk=pk, partner__slug=slug)
    return _contract_form_view(request, contract.partner, contract)


@action_required(Action.MANAGE_PARTNERS)
@submit_once
def risk_create(request: HttpRequest, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner, slug=slug)
    form = RiskAssessmentForm(request.POST or None, instance=SupplierRiskAssessment(partner=partner))
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_assessment_create(assessment=form.instance, by=request.user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Risk assessment recorded.")
            return redirect(reverse("partners:detail", kwargs={"slug": partner.slug}) + "#risk")
    return render(
        request,
        "partners/form_page.html",
        {"form": form, "title": f"Supplier risk assessment of {partner.name}", "partner": partner},
    )


def contract_document(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Everyone signed in may read contracts (docs/design.md); the file goes out as an attachment."""
    contract = get_object_or_404(Contract, pk=pk, partner__slug=slug)
    return attachment_response(contract.document)


# --- Onboarding -------------------------------------------------------------------------------------


def _onboarding_url(partner: Partner) -> str:
    return reverse("partners:detail", kwargs={"slug": partner.slug}) + "#onboarding"


@action_required(Action.MANAGE_PARTNERS)
@submit_once
def onboarding_start(request: HttpRequest, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner, slug=slug)
    form = OnboardingStartForm(request.POST or None, partner=partner, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.onboarding_start(
                partner=partner, track=form.cleaned_data["track"], started_on=form.cleaned_data["started_on"], by=request.user
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Onboarding of {partner.name} started.")
            return redirect(_onboarding_url(partner))
    return render(
        request,
        "partners/form_page.html",
        {"form": form, "title": f"Start onboarding {partner.name}", "partner": partner, "multipart": False},
    )


@action_required(Action.MANAGE_PARTNERS)
def onboarding_step_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    step = get_object_or_404(OnboardingStep.objects.select_related("onboarding__partner"), pk=pk, onboarding__partner__slug=slug)
    partner = step.onboarding.partner
    form = OnboardingStepForm(request.POST or None, instance=step)
    if request.method == "POST" and form.is_valid():
        try:
            services.onboarding_step_update(
                step_id=step.pk, owner=form.cleaned_data["owner"], due_on=form.cleaned_data["due_on"], by=request.user
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Step “{step.title}” saved.")
            return redirect(_onboarding_url(partner))
    return render(
        request,
        "partners/form_page.html",
        {"form": form, "title": f"Onboarding step: {step.title}", "partner": partner, "multipart": False},
    )


@require_POST
def onboarding_step_done(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The owner or a partner manager ticks (or, with reopen=1, reopens) a step (the service checks)."""
    step = get_object_or_404(OnboardingStep.objects.select_related("onboarding__partner"), pk=pk, onboarding__partner__slug=slug)
    partner = step.onboarding.partner
    try:
        if request.POST.get("reopen") == "1":
            services.onboarding_step_reopen(step_id=step.pk, by=request.user)  # PermissionDenied -> 403
            messages.success(request, f"“{step.title}” reopened.")
        else:
            services.onboarding_step_complete(step_id=step.pk, by=request.user)
            messages.success(request, f"“{step.title}” done.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(safe_next(request, _onboarding_url(partner)))


@require_POST
@action_required(Action.MANAGE_PARTNERS)
def onboarding_finish(request: HttpRequest, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner, slug=slug)
    try:
        services.onboarding_finish(partner=partner, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{partner.name} is active; onboarding ended today.")
    return redirect(safe_next(request, _onboarding_url(partner)))


def onboarding_track_list(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/onboarding_tracks.html", {"tracks": selectors.onboarding_tracks()})


def onboarding_track_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        track = selectors.onboarding_track_detail(pk=pk)
    except OnboardingTrack.DoesNotExist:
        raise Http404
    return render(
        request,
        "partners/onboarding_track.html",
        {"track": track, "versions": selectors.onboarding_track_versions(track=track)},
    )


@action_required(Action.MANAGE_PARTNERS)
@submit_once
def onboarding_track_create(request: HttpRequest) -> HttpResponse:
    form = OnboardingTrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            track = services.onboarding_track_create(partner_type=form.cleaned_data["partner_type"], by=request.user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"Track for {track.partner_type.name} created; add its steps.")
            return redirect("partners:onboarding-track", pk=track.pk)
    return render(request, "partners/form_page.html", {"form": form, "title": "New onboarding track", "multipart": False})


def _track_saved_message(request: HttpRequest, track: OnboardingTrack, revised: bool) -> None:
    if revised:
        messages.info(
            request,
            f"Onboardings run on the previous version, so this change made version {track.version}; "
            "running onboardings keep their steps, new ones start from this version.",
        )
    else:
        messages.success(request, "Track saved.")


def _step_template_form_view(request: HttpRequest, track: OnboardingTrack, step: OnboardingStepTemplate) -> HttpResponse:
    form = OnboardingStepTemplateForm(request.POST or None, instance=step)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved, revised = services.onboarding_step_template_save(
                track_id=track.pk,
                step_id=step.pk,
                title=data["title"],
                owner_role=data["owner_role"],
                due_offset_days=data["due_offset_days"],
                description=data["description"],
                required=data["required"],
                proof=data["proof"],
                position=data["position"],
                by=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            _track_saved_message(request, saved.track, revised)
            return redirect("partners:onboarding-track", pk=saved.track_id)
    title = f"Edit step: {step.title}" if step.pk else f"New step in {track}"
    return render(request, "partners/form_page.html", {"form": form, "title": title, "multipart": False})


@action_required(Action.MANAGE_PARTNERS)
@submit_once
def onboarding_step_template_create(request: HttpRequest, pk: int) -> HttpResponse:
    track = get_object_or_404(OnboardingTrack.objects.select_related("partner_type"), pk=pk)
    return _step_template_form_view(request, track, OnboardingStepTemplate(track=track))


@action_required(Action.MANAGE_PARTNERS)
def onboarding_step_template_edit(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    step = get_object_or_404(OnboardingStepTemplate.objects.select_related("track__partner_type"), pk=step_pk, track_id=pk)
    return _step_template_form_view(request, step.track, step)


@require_POST
@action_required(Action.MANAGE_PARTNERS)
def onboarding_step_template_delete(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    step = get_object_or_404(OnboardingStepTemplate, pk=step_pk, track_id=pk)
    try:
        track, revised = services.onboarding_step_template_delete(track_id=pk, step_id=step.pk, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("partners:onboarding-track", pk=pk)
    _track_saved_message(request, track, revised)
    return redirect("partners:onboarding-track", pk=track.pk)


# --- The partner team --------------------------------------------------------------------------------


@submit_once
def partner_team(request: HttpRequest, slug: str) -> HttpResponse:
    """Everyone reads the team; partner managers add people (POST here) and remove them."""
    partner = get_object_or_404(Partner.objects.select_related("manager"), slug=slug)
    if request.method == "POST" and not user_can(request.user, Action.MANAGE_PARTNERS):
        raise PermissionDenied
    form = TeamMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.team_member_add(
                partner=partner, user=form.cleaned_data["user"], role=form.cleaned_data["role"], by=request.user
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, f"{formatting.person(member.user)} added as {member.get_role_display()}.")
            return redirect("partners:team", slug=partner.slug)
    members = PartnerTeamMember.objects.filter(partner=partner).select_related("user").order_by("role", "user__first_name", "id")
    return render(request, "partners/team.html", {"partner": partner, "members": members, "form": form})


@require_POST
@action_required(Action.MANAGE_PARTNERS)
def partner_team_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    member = get_object_or_404(PartnerTeamMember.objects.select_related("partner", "user"), pk=pk, partner__slug=slug)
    services.team_member_remove(member_id=member.pk, partner=member.partner)
    messages.success(request, f"{formatting.person(member.user)} ({member.get_role_display()}) removed from the team.")
    return redirect("partners:team", slug=slug)


# --- Collateral library --------------------------------------------------------------------------------


def collateral_list(request: HttpRequest) -> HttpResponse:
    filterset, items = selectors.collateral_list(params=request.GET)
    if request.GET.get("format") == "csv":
        return exports.COLLATERAL_COLUMNS.response("collateral.csv", items.iterator(chunk_size=500))
    page = KeysFirstPaginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "partners/collateral_list.html",
        {"filter": filterset, "page_obj": page, "querystring": query.urlencode(), "today": timezone.localdate()},
    )


@action_required(Action.LOG_ACTIVITIES)  # partner managers, sales and marketing add collateral
@submit_once
def collateral_create(request: HttpRequest, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner, slug=slug)
    form = CollateralForm(request.POST or None, request.FILES or None, instance=Collateral(partner=partner))
    if request.method == "POST" and form.is_valid():
        try:
            services.collateral_create(collateral=form.instance, by=request.user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Collateral added to the library.")
            return redirect(reverse("partners:detail", kwargs={"slug": partner.slug}) + "#guidelines")
    return render(
        request,
        "partners/form_page.html",
        {"form": form, "title": f"Add collateral for {partner.name}", "partner": partner, "multipart": True},
    )


def collateral_file(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Everyone signed in may read the library; the file goes out as an attachment."""
    collateral = get_object_or_404(Collateral, pk=pk, partner__slug=slug)
    return attachment_response(collateral.file)


@require_POST
@action_required(Action.MANAGE_CAMPAIGNS)  # partner managers and marketing check the brand
def collateral_brand_check(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    collateral = get_object_or_404(Collateral, pk=pk, partner__slug=slug)
    try:
        services.collateral_brand_check(collateral_id=collateral.pk, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{collateral.title}” brand-checked.")
    return redirect(safe_next(request, reverse("partners:collateral")))
