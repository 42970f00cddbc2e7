"""The public repositories the oracle audit reads, per language, pinned by commit: none of
them was used by an earlier audit (``benchmarks/README.md``). Their code is never committed:
the driver extracts each commit from a local mirror into the oracle home."""

from __future__ import annotations

REPOS: dict[str, list[str]] = {
    "python": [
        "encode/httpx@ae1b9f66238f75ced3ced5e4485408435de10768",
        "python-attrs/attrs@c1dc5dcba16ed827aa6dcad896b41a3afedb4e32",
        "Textualize/rich@42899d8a0a96b121a514516f4be9db44ff7aeaf3",
    ],
    "typescript": [
        "immerjs/immer@061c2425e1c9dff89e4e4189d42af1b7839dfe0a",
        "sindresorhus/ky@3419113b48e034fdcf8fa6bd3be3da7b3d0d758f",
        "colinhacks/zod@e516c3baf22615e20934116abebfed6c000222c2",
    ],
    "javascript": [
        "koajs/koa@e0ba8ef39d27fe5dae5492f9fe753d155124f994",
        "axios/axios@23a25af0688d1db2c396deb09229d2271cc24f6c",
        "mochajs/mocha@e6b9ee773481fd739ae24caeb42f32ac0b010f95",
    ],
    "go": [
        "go-chi/chi@735ae2b87f8c733d616e809ae86e0985c1bc3350",
        "sirupsen/logrus@87434bb3a736e2a27d34df66924471714f408d3d",
        "urfave/cli@1305a08200f7c4d873e28bd2bbad1ff257c6cfc4",
    ],
    "rust": [
        "dtolnay/anyhow@1dbe1862aae650423e3361fbd20b7d17c5109cc3",
        "tokio-rs/bytes@d5c8ad3227afe459c09f1d0d85455abf00f0381a",
        "rust-lang/log@037d7a58f6ad184abb3afc4db81d37c43a5696ec",
    ],
    "java": [
        "square/javapoet@b9017a9503b76e11b4ad4c1a9f050e2d29112cb0",
        "jhy/jsoup@46b620860af930eedc193a705eaf7cea5aec89a6",
        "apache/commons-cli@0a68ae0e826bb08eb59bda9bae7ec5d84008b62a",
    ],
    "c": [
        "DaveGamble/cJSON@a29814f285cc531c00223743ad3c55cd38c0dc56",
        "redis/hiredis@29ea2791c102fdffff350f1ea6e04d1f71903d0d",
        "lz4/lz4@d9c01a3d49114dc28e2dfbbc0a8990e88be7b694",
    ],
    "cpp": [
        "fmtlib/fmt@60ccad511fd680cb91d8b60a315759f71c67bef9",
        "jbeder/yaml-cpp@c3f81127320662deb3e28f4da0a511f1faecd860",
        "libcpr/cpr@42f0b2192d7dc9a448e08170c76a4503ffef0beb",
    ],
    "ruby": [
        "rack/rack@8bf4eb078498edc9105fb04add80d89c5340e60b",
        "jnunemaker/httparty@2daba91bf3f61de2676a2e906f4d3181ebadea83",
        "lostisland/faraday@59334e0e9b1918bd26b143f4a7bbc8c765de3ac4",
    ],
    "php": [
        "slimphp/Slim@038fd5713d5a41636fdff0e8dcceedecdd17fc17",
        "thephpleague/flysystem@072735c56cc0da00e10716dd90d5a7f7b40b36be",
        "PHPMailer/PHPMailer@4a489474e7ef8bbf03c1cb219d8939ea76a7fb40",
    ],
    "kotlin": [
        "square/moshi@889013ec2edb8d8034902662a1dc8c4f3b3f8111",
        "coil-kt/coil@a42b7709600630cd2bed73517832442b98d4d7b5",
        "InsertKoinIO/koin@fff5291f333c04fe5d6d9447f72740647d40d186",
    ],
    "csharp": [
        "serilog/serilog@60935b4d7abad71cf6157b45a10f5c3c65ead527",
        "App-vNext/Polly@173d6d1d2e28a4697f1ac1d22da68f77ff19a0c9",
        "FluentValidation/FluentValidation@ea299fe59719950018fa240dab86da414190d7f4",
    ],
    "swift": [
        "apple/swift-argument-parser@2f77f2fccb6e84fecff338c37b199e33e7dfd119",
        "onevcat/Kingfisher@410984bf301f4fa224fe56277b3f8672cc465c79",
        "Quick/Nimble@035b88ad6ae8035f5ce2b50b0a6d69c3b16d2120",
    ],
    "scala": [
        "com-lihaoyi/os-lib@e237000cbd4d97a4c4463df43d64556130d2bc50",
        "com-lihaoyi/fastparse@385431ec271b411505a9458bf8f85d489a9b001b",
        "circe/circe@1da94272096eedd88a6ea04be127618ef8cf943a",
    ],
    "shell": [
        "bats-core/bats-core@d22e41faad59f5fd942a88c992b4913a27a460c4",
        "rbenv/rbenv@23c3041695feb811c18dbb270096c7956f7c377d",
        "acmesh-official/acme.sh@d60c75b4e30a26addd8b9d0bfdeeed39c84ed51e",
    ],
    "lua": [
        "nvim-telescope/telescope.nvim@7d324792b7943e4aa16ad007212e6acc6f9fe335",
        "luarocks/luarocks@2d2cc8eff2f03c23d142f8059146fb241dcf56b5",
        "Olivine-Labs/busted@2e4799e06b865c352baa7f7721e32aedaafd19d6",
    ],
}
