"""A program with one container-image ServiceFunction, for the component tests."""

import os

import pulumi

from components.function import FunctionSpec, ServiceFunction
from components.images import ContainerImage, ImageRepository
from components.platform import Platform
from components.settings import load_stack_config

platform = Platform.for_stack(load_stack_config())
images = ImageRepository("app-images", platform)
function = ServiceFunction(
    "app",
    FunctionSpec(
        code="", description="An image function", image=ContainerImage(images, os.environ.get("IMAGE_REF", "v1"))
    ),
    platform,
)
if os.environ.get("IMAGE_PROGRAM_SECOND_FUNCTION"):
    ServiceFunction(
        "other",
        FunctionSpec(code="", description="Shares the repository", image=ContainerImage(images, "v1")),
        platform,
    )
pulumi.export("functionArn", function.function.arn)
