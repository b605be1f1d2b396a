"""Deployer-policy families for IAM roles, the OIDC provider and users."""

from __future__ import annotations

from preview.deployer_actions.family import Family, types

FAMILIES: tuple[Family, ...] = (
    Family(
        "IamRoles",
        types(
            "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
        ),
        (
            "iam:CreateRole",
            "iam:GetRole",
            "iam:UpdateRole",
            "iam:DeleteRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole",
            "iam:PutRolePolicy",
            "iam:GetRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:AttachRolePolicy",
            "iam:DetachRolePolicy",
            "iam:PassRole",
        ),
        # and the hosted rotation application's own role, named by CloudFormation after its stack
        arns=(
            ("aws:iam/role:Role", "arn:aws:iam::*:role/{name}"),
            (
                "aws:serverlessrepository/cloudFormationStack:CloudFormationStack",
                "arn:aws:iam::*:role/serverlessrepo-*",
            ),
        ),
    ),
    Family(
        "IamOidcProvider",
        types("aws:iam/openIdConnectProvider:OpenIdConnectProvider"),
        (
            "iam:CreateOpenIDConnectProvider",
            "iam:GetOpenIDConnectProvider",
            "iam:DeleteOpenIDConnectProvider",
            "iam:UpdateOpenIDConnectProviderThumbprint",
            "iam:AddClientIDToOpenIDConnectProvider",
            "iam:RemoveClientIDFromOpenIDConnectProvider",
            "iam:TagOpenIDConnectProvider",
            "iam:UntagOpenIDConnectProvider",
        ),
        arns=(("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "arn:aws:iam::*:oidc-provider/{providerPath}"),),
    ),
    Family(
        "IamUsers",
        types("aws:iam/user:User", "aws:iam/userPolicy:UserPolicy", "aws:iam/accessKey:AccessKey"),
        (
            "iam:CreateUser",
            "iam:GetUser",
            "iam:UpdateUser",
            "iam:DeleteUser",
            "iam:TagUser",
            "iam:UntagUser",
            "iam:PutUserPolicy",
            "iam:GetUserPolicy",
            "iam:DeleteUserPolicy",
            "iam:ListUserPolicies",
            "iam:ListAttachedUserPolicies",
            "iam:ListGroupsForUser",
            "iam:CreateAccessKey",
            "iam:ListAccessKeys",
            "iam:UpdateAccessKey",
            "iam:DeleteAccessKey",
        ),
        arns=(("aws:iam/user:User", "arn:aws:iam::*:user/{name}"),),
    ),
)
