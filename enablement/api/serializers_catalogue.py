"""Input and output serializers for the learning catalogue (tracks, courses) and the public
verification of a certificate."""

from rest_framework import serializers

from partners.models import BusinessModel
from prm.api.schema import named_choice_field

from ..models import Certification, Course, Role, Track

CatalogueRoleField = named_choice_field("CatalogueRoleEnum", Role)
CatalogueBusinessModelField = named_choice_field("CatalogueBusinessModelEnum", BusinessModel)
VerificationKindField = named_choice_field("VerificationCertificationKindEnum", Certification.Kind)
SMALL_INT_MAX = 32767
INT_MAX = 2147483647


class CourseSerializer(serializers.ModelSerializer):
    track = serializers.IntegerField(source="track_id", read_only=True)
    role = CatalogueRoleField(read_only=True)
    business_models = serializers.ListField(child=CatalogueBusinessModelField(), read_only=True)
    url = serializers.CharField(read_only=True, help_text="Link to the course; empty if none.")

    class Meta:
        model = Course
        fields = [
            "id",
            "track",
            "code",
            "title",
            "role",
            "business_models",
            "duration_minutes",
            "url",
            "position",
        ]
        read_only_fields = fields


class TrackSerializer(serializers.ModelSerializer):
    role = CatalogueRoleField(read_only=True)
    business_models = serializers.ListField(
        child=CatalogueBusinessModelField(),
        read_only=True,
        help_text="Business models the track is meant for; empty means every partner.",
    )
    courses = CourseSerializer(source="course_list", many=True, read_only=True)

    class Meta:
        model = Track
        fields = ["id", "name", "role", "business_models", "description", "position", "courses"]
        read_only_fields = fields


class TrackInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    role = CatalogueRoleField()
    business_models = serializers.ListField(
        child=CatalogueBusinessModelField(), required=False, max_length=20
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    position = serializers.IntegerField(required=False, min_value=0, max_value=SMALL_INT_MAX)


class CourseInputSerializer(serializers.Serializer):
    track = serializers.PrimaryKeyRelatedField(queryset=Track.objects.all())
    code = serializers.SlugField(max_length=40)
    title = serializers.CharField(max_length=200)
    role = CatalogueRoleField()
    business_models = serializers.ListField(
        child=CatalogueBusinessModelField(), required=False, max_length=20
    )
    duration_minutes = serializers.IntegerField(required=False, min_value=0, max_value=INT_MAX)
    url = serializers.URLField(required=False, allow_blank=True, max_length=200)
    position = serializers.IntegerField(required=False, min_value=0, max_value=SMALL_INT_MAX)


class VerificationSerializer(serializers.Serializer):
    """What anyone may learn about a certificate from its verification code."""

    status = serializers.ChoiceField(
        choices=[("valid", "valid"), ("expired", "expired")], read_only=True
    )
    code = serializers.CharField(read_only=True)
    holder = serializers.CharField(read_only=True)
    partner = serializers.CharField(read_only=True)
    certification = serializers.CharField(read_only=True)
    kind = VerificationKindField(read_only=True)
    valid_until = serializers.DateField(read_only=True)
