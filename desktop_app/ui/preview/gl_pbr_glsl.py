"""GLSL source of the preview's glTF metallic-roughness shading, its environment background and its ground shadow.

The BRDF is glTF 2.0's (Appendix B): Lambert diffuse plus GGX/Smith specular with Schlick Fresnel, lit only by
the image-based light of ibl.py (split sum: SH irradiance for diffuse, a prefiltered cube-map mip chain times a
BRDF table for specular), then scaled by the exposure, tone mapped with Khronos' PBR Neutral operator and
encoded as sRGB. Lighting happens in view space; ``u_env`` turns a view-space direction into the
environment's frame (the camera's inverse rotation, then the user's environment rotation).

Variants are chosen with #defines when compiling (gl_shaders.py), so a pixel runs only what its part needs:
software GL (llvmpipe) executes both sides of a branch, every texture read included, so a uniform "has a
normal map" flag would cost every model the normal map's price. Per part: ``HAS_UV``, ``HAS_BASE_TEX``,
``HAS_MR``, ``HAS_NORMAL_MAP``, ``HAS_OCCLUSION``, ``HAS_EMISSIVE_TEX``, ``HAS_COLORS``, ``ALPHA_MASK``,
``ALPHA_BLEND``, ``DECODE_SRGB``, ``WIRE``; per view: ``MODE_CLAY``, ``MODE_NORMALS``, ``MODE_TEXTURE`` (else
the full material), ``FAST`` (software GL: the BRDF table is replaced by Karis' analytic fit and the cube is
read without blending two mip levels, set by the texture's filter), ``NO_CUBE`` (no float cube maps, e.g.
OpenGL ES 2: specular light comes from the SH too).
"""

MESH_VERTEX = """
uniform mat4 u_mvp;
uniform mat4 u_modelview;
uniform mat3 u_normal;
IN vec3 a_position;
IN vec3 a_normal;
IN vec2 a_texcoord;
IN vec4 a_color;
IN vec4 a_tangent;
OUT vec3 v_pos;
OUT vec3 v_normal;
#ifdef HAS_UV
OUT vec2 v_uv;
#endif
#ifdef HAS_COLORS
OUT vec4 v_color;
#endif
#ifdef HAS_NORMAL_MAP
OUT vec4 v_tangent;
#endif
void main() {
    v_pos = (u_modelview * vec4(a_position, 1.0)).xyz;
    v_normal = u_normal * a_normal;
#ifdef HAS_UV
    v_uv = a_texcoord;
#endif
#ifdef HAS_COLORS
    v_color = a_color;
#endif
#ifdef HAS_NORMAL_MAP
    v_tangent = vec4(mat3(u_modelview) * a_tangent.xyz, a_tangent.w);
#endif
    gl_Position = u_mvp * vec4(a_position, 1.0);
}
"""

_COMMON = """
vec3 to_linear(vec3 c) {
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}
vec3 to_srgb(vec3 c) {
    // sqrt-only fit of the sRGB curve (max error < 0.5/255): pow() is costly on software GL (llvmpipe)
    c = clamp(c, 0.0, 1.0);
    vec3 s1 = sqrt(c);
    vec3 s2 = sqrt(s1);
    vec3 s3 = sqrt(s2);
    return clamp(0.662002687 * s1 + 0.684122060 * s2 - 0.323583601 * s3 - 0.0225411470 * c, 0.0, 1.0);
}
vec3 neutral_tonemap(vec3 color) {
    // Khronos PBR Neutral (2024): linear below 0.76, then a soft shoulder that keeps hues
    const float start = 0.8 - 0.04;
    const float desaturation = 0.15;
    float x = min(color.r, min(color.g, color.b));
    float offset = x < 0.08 ? x - 6.25 * x * x : 0.04;
    color -= offset;
    float peak = max(color.r, max(color.g, color.b));
    if (peak < start) return color;
    const float d = 1.0 - start;
    float new_peak = 1.0 - d * d / (peak + d - start);
    color *= new_peak / peak;
    float g = 1.0 - 1.0 / (desaturation * (peak - new_peak) + 1.0);
    return mix(color, vec3(new_peak), g);
}
uniform vec3 u_sh[9];
vec3 sh_irradiance(vec3 n) {  // E(n) / pi, the same polynomial as ibl.sh_irradiance
    return u_sh[0] * 0.282095
        + u_sh[1] * (0.488603 * n.y) + u_sh[2] * (0.488603 * n.z) + u_sh[3] * (0.488603 * n.x)
        + u_sh[4] * (1.092548 * n.x * n.y) + u_sh[5] * (1.092548 * n.y * n.z)
        + u_sh[6] * (0.315392 * (3.0 * n.z * n.z - 1.0)) + u_sh[7] * (1.092548 * n.x * n.z)
        + u_sh[8] * (0.546274 * (n.x * n.x - n.y * n.y));
}
"""

MESH_FRAGMENT = _COMMON + """
uniform sampler2D u_base_tex;
uniform sampler2D u_mr_tex;
uniform sampler2D u_normal_tex;
uniform sampler2D u_occlusion_tex;
uniform sampler2D u_emissive_tex;
uniform samplerCube u_env_tex;
uniform sampler2D u_brdf_lut;
uniform vec4 u_base_color;
uniform vec4 u_pbr;         // metallic, roughness, normal scale, occlusion strength
uniform vec3 u_emissive;
uniform float u_alpha_cutoff;
uniform vec4 u_wire_color;
uniform mat3 u_env;
uniform float u_exposure;   // linear scale, 2^EV
uniform float u_max_lod;
IN vec3 v_pos;
IN vec3 v_normal;
#ifdef HAS_UV
IN vec2 v_uv;
#endif
#ifdef HAS_COLORS
IN vec4 v_color;
#endif
#ifdef HAS_NORMAL_MAP
IN vec4 v_tangent;
#endif

vec4 sample_srgb(sampler2D tex, vec2 uv) {
    vec4 t = TEXTURE(tex, uv);
#ifdef DECODE_SRGB
    t.rgb = to_linear(t.rgb);  // no sRGB textures (OpenGL ES 2): decode here
#endif
    return t;
}
vec2 env_brdf(float n_dot_v, float roughness) {
#if defined(FAST) || defined(NO_CUBE)
    // Karis' fit of the split-sum table (Unreal mobile): no texture read
    const vec4 c0 = vec4(-1.0, -0.0275, -0.572, 0.022);
    const vec4 c1 = vec4(1.0, 0.0425, 1.04, -0.04);
    vec4 r = roughness * c0 + c1;
    float a004 = min(r.x * r.x, exp2(-9.28 * n_dot_v)) * r.x + r.y;
    return vec2(-1.04, 1.04) * a004 + r.zw;
#else
    return TEXTURE(u_brdf_lut, vec2(n_dot_v, roughness)).rg;
#endif
}
vec3 specular_light(vec3 r_env, float roughness) {
#ifdef NO_CUBE
    return sh_irradiance(r_env);
#else
    return TEXTURE_LOD(u_env_tex, r_env, roughness * u_max_lod).rgb;
#endif
}
void main() {
#ifdef WIRE
    FRAG_COLOR = u_wire_color;
#else
#ifdef HAS_UV
    // trimesh UVs have v=0 at the bottom; the texture rows were uploaded top row first
    vec2 uv = vec2(v_uv.x, 1.0 - v_uv.y);
#endif
#ifdef MODE_CLAY
    vec4 albedo = vec4(0.42, 0.42, 0.40, 1.0);
#else
    vec4 albedo = u_base_color;
#ifdef HAS_BASE_TEX
    albedo *= sample_srgb(u_base_tex, uv);
#endif
#ifdef HAS_COLORS
    albedo *= vec4(to_linear(v_color.rgb), v_color.a);
#endif
#endif
#ifdef ALPHA_MASK
    if (albedo.a < u_alpha_cutoff) discard;
#endif
#ifdef ALPHA_BLEND
    float alpha = albedo.a;
#else
    float alpha = 1.0;
#endif
#ifdef MODE_TEXTURE
    FRAG_COLOR = vec4(to_srgb(albedo.rgb), alpha);  // the base colour as authored, unlit
#else
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) n = -n;  // two-sided: light the back face as a face of its own
#ifdef HAS_NORMAL_MAP
    vec3 t = gl_FrontFacing ? v_tangent.xyz : -v_tangent.xyz;
    t = normalize(t - n * dot(n, t));
    vec3 b = cross(n, t) * (v_tangent.w < 0.0 ? -1.0 : 1.0);
    vec3 tn = TEXTURE(u_normal_tex, uv).xyz * 2.0 - 1.0;
    tn.xy *= u_pbr.z;
    n = normalize(t * tn.x + b * tn.y + n * tn.z);
#endif
#ifdef MODE_NORMALS
    FRAG_COLOR = vec4(n * 0.5 + 0.5, 1.0);  // view-space shading normal: x right = red, y up = green
#else
#ifdef MODE_CLAY
    float metallic = 0.0;
    float roughness = 0.6;
#else
    float metallic = u_pbr.x;
    float roughness = u_pbr.y;
#endif
#ifdef HAS_MR
    vec4 mr = TEXTURE(u_mr_tex, uv);
    roughness *= mr.g;
    metallic *= mr.b;
#endif
    roughness = clamp(roughness, 0.03, 1.0);
    vec3 v = normalize(-v_pos);
    float n_dot_v = clamp(dot(n, v), 0.001, 1.0);
    vec3 f0 = mix(vec3(0.04), albedo.rgb, metallic);
    vec3 diffuse_color = albedo.rgb * (1.0 - metallic);
    vec3 n_env = u_env * n;
    vec3 r_env = u_env * reflect(-v, n);
    vec2 ab = env_brdf(n_dot_v, roughness);
    // roughness-aware Fresnel (Fdez-Agüera 2019): rough surfaces do not turn into mirrors at grazing angles
    vec3 fr = max(vec3(1.0 - roughness), f0) - f0;
    float f5 = 1.0 - n_dot_v;
    float f2 = f5 * f5;
    f5 = f2 * f2 * f5;
    vec3 k_s = f0 + fr * f5;
    vec3 color = sh_irradiance(n_env) * diffuse_color + specular_light(r_env, roughness) * (k_s * ab.x + ab.y);
#ifdef HAS_OCCLUSION
    color *= 1.0 + u_pbr.w * (TEXTURE(u_occlusion_tex, uv).r - 1.0);
#endif
#ifndef MODE_CLAY
    vec3 emissive = u_emissive;
#ifdef HAS_EMISSIVE_TEX
    emissive *= sample_srgb(u_emissive_tex, uv).rgb;
#endif
    color += emissive;
#endif
    FRAG_COLOR = vec4(to_srgb(neutral_tonemap(color * u_exposure)), alpha);
#endif
#endif
#endif
}
"""

BACKGROUND_VERTEX = """
uniform mat4 u_unproject;  // clip space -> view direction
IN vec2 a_position;
OUT vec3 v_dir;
void main() {
    vec4 p = u_unproject * vec4(a_position, 1.0, 1.0);
    v_dir = p.xyz / p.w;
    gl_Position = vec4(a_position, 0.9999, 1.0);
}
"""

BACKGROUND_FRAGMENT = _COMMON + """
uniform samplerCube u_env_tex;
uniform mat3 u_env;
uniform float u_exposure;
uniform float u_lod;
IN vec3 v_dir;
void main() {
    vec3 d = u_env * normalize(v_dir);
#ifdef NO_CUBE
    vec3 c = sh_irradiance(d);
#else
    vec3 c = TEXTURE_LOD(u_env_tex, d, u_lod).rgb;
#endif
    FRAG_COLOR = vec4(to_srgb(neutral_tonemap(c * u_exposure)), 1.0);
}
"""

SHADOW_VERTEX = """
uniform mat4 u_mvp;
IN vec3 a_position;
IN vec2 a_texcoord;
OUT vec2 v_uv;
void main() {
    v_uv = a_texcoord;
    gl_Position = u_mvp * vec4(a_position, 1.0);
}
"""

SHADOW_FRAGMENT = """
uniform sampler2D u_shadow;
uniform float u_strength;
IN vec2 v_uv;
void main() {
    float a = TEXTURE(u_shadow, v_uv).r * u_strength;
    FRAG_COLOR = vec4(0.0, 0.0, 0.0, a);
}
"""
